"""Email rendering: subject, plain text and HTML for alerts, digests and notices.

Header values lose CR, LF and other control characters (no header injection) and are cut to the
limit the notifier gives (:attr:`alerts.email.EmailNotifier.subject_max`); HTML is escaped.
"""

from __future__ import annotations

import html

from alerts.model import Alert, Notice
from alerts.render import (
    Digest,
    best_match,
    digest_title,
    emphasis_segments,
    evidence_of,
    group_by_watchlist,
    lead_line,
    meta_line,
    notice_text,
    one_line,
    outlets_line,
    safe_http_url,
    strip_bidi,
    truncate,
    why_line,
)
from crawler.matching.types import Evidence, Match


def email_header(text: str, limit: int) -> str:
    """A header value with CR, LF and other control characters removed (no header injection),
    and no bidi override characters."""
    return truncate(one_line(strip_bidi(text)), limit)


def email_subject(alert: Alert, prefix: str, limit: int) -> str:
    base = f"{lead_line(alert)} — {one_line(alert.title)}"
    return email_header(f"{prefix} {base}" if prefix else base, limit)


def email_watchlists(message: Alert | Digest) -> str:
    """The watchlists behind a message, for the ``X-Newswatch-Watchlist`` header."""
    alerts = (message,) if isinstance(message, Alert) else message.alerts
    return ", ".join(dict.fromkeys(m.watchlist for a in alerts for m in a.matches))


def email_text(alert: Alert) -> str:
    """The plain-text body of one alert."""
    lines = [lead_line(alert), "", one_line(alert.title), alert.url, ""]
    for ev in evidence_of(alert):
        lines.append("> " + ev.text.replace("\n", " "))
    lines += ["", why_line(alert), meta_line(alert), ""]
    return "\n".join(lines)


def _html_evidence(ev: Evidence, match: Match | None) -> str:
    pieces = emphasis_segments(ev, match)
    return "".join(f"<strong>{html.escape(t)}</strong>" if b else html.escape(t) for t, b in pieces)


def _html_link(url: str, label: str) -> str:
    safe = safe_http_url(url)
    text = html.escape(one_line(label)) or "(untitled)"
    return f'<a href="{html.escape(safe, quote=True)}">{text}</a>' if safe else text


def email_html(alert: Alert) -> str:
    """The HTML body of one alert (every web string escaped)."""
    quotes = "".join(
        f'<blockquote style="margin:8px 0;padding-left:8px;border-left:3px solid #ccc">'
        f"{_html_evidence(ev, best_match(alert))}</blockquote>"
        for ev in evidence_of(alert)
    )
    return (
        '<!DOCTYPE html><html><body style="font-family:sans-serif">'
        f'<p style="font-weight:bold;font-size:16px">{html.escape(lead_line(alert))}</p>'
        f'<p style="font-size:15px">{_html_link(alert.url, alert.title)}</p>'
        f"{quotes}"
        f'<p style="color:#666;font-size:12px">{html.escape(why_line(alert))}<br>'
        f"{html.escape(meta_line(alert))}</p>"
        "</body></html>"
    )


def email_digest_subject(digest: Digest, prefix: str, limit: int) -> str:
    title = digest_title(digest)
    return email_header(f"{prefix} {title}" if prefix else title, limit)


def email_digest_text(digest: Digest) -> str:
    lines = [digest_title(digest), ""]
    for name, alerts in group_by_watchlist(digest.alerts).items():
        lines.append(f"{one_line(name)} ({len(alerts)})")
        for alert in alerts:
            lines.append(f"  - {lead_line(alert)} — {one_line(alert.title)}")
            if outlets := outlets_line(alert):
                lines.append(f"    {outlets}")
            lines.append(f"    {alert.url}")
        lines.append("")
    return "\n".join(lines)


def _html_outlets(alert: Alert) -> str:
    if alert.story is None or len(alert.story.outlets) < 2:
        return ""
    links = ", ".join(_html_link(o.url, o.source) for o in alert.story.outlets)
    return f"<br><small>reported by {links}</small>"


def email_digest_html(digest: Digest) -> str:
    parts = [
        '<!DOCTYPE html><html><body style="font-family:sans-serif">',
        f'<p style="font-weight:bold;font-size:16px">{html.escape(digest_title(digest))}</p>',
    ]
    for name, alerts in group_by_watchlist(digest.alerts).items():
        parts.append(f"<h3>{html.escape(one_line(name))} ({len(alerts)})</h3><ul>")
        for alert in alerts:
            parts.append(
                f"<li>{html.escape(lead_line(alert))} — {_html_link(alert.url, alert.title)}"
                f"{_html_outlets(alert)}</li>"
            )
        parts.append("</ul>")
    parts.append("</body></html>")
    return "".join(parts)


def email_notice_subject(notice: Notice, prefix: str, limit: int) -> str:
    first = notice.text.strip().splitlines()[0] if notice.text.strip() else "notice"
    return email_header(f"{prefix} notice: {first}" if prefix else f"notice: {first}", limit)


def email_notice_html(notice: Notice) -> str:
    body = html.escape(notice_text(notice)).replace("\n", "<br>")
    return f'<!DOCTYPE html><html><body style="font-family:sans-serif"><p>{body}</p></body></html>'
