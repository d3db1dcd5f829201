"""Rendering of alerts and digests for each medium: Slack Block Kit (plus the plain-text
fallback Slack shows in notifications), email (subject, text, HTML) and JSON.

Everything that came from the web (titles, sources, evidence, entity names) is escaped for the
medium it goes to: Slack text escapes only ``&``, ``<`` and ``>`` and every mrkdwn object sets
``verbatim: true`` so ``<!channel>`` or ``<@U123>`` in a headline stays literal; email headers lose
CR/LF and control characters; HTML is escaped. Slack's limits (header 150 chars, section text
3000, 50 blocks) are met by truncating, never by failing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from alerts.model import Alert, Notice
from crawler.matching.types import Amount, Evidence, Match

SLACK_HEADER_MAX = 150
SLACK_SECTION_MAX = 3000
SLACK_BLOCKS_MAX = 50
SLACK_BUTTON_URL_MAX = 3000
SLACK_FALLBACK_MAX = 3000
SLACK_LINK_LABEL_MAX = 300
SLACK_LINK_URL_MAX = 2000
EMAIL_SUBJECT_MAX = 200

_KIND_LABEL = {"deal": "Deal", "hiring": "Hiring", "both": "Deal + hiring"}
# (giver roles, taker roles) per event kind: "Meta → Scale AI", "Meta ← Alexandr Wang" reads as
# who moves money or people towards whom.
_ROLES = {
    "deal": (("acquirer", "investor"), ("target",)),
    "hiring": (("hirer",), ("person",)),
    "both": (("acquirer", "investor", "hirer"), ("target", "person")),
}
_CURRENCY_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# Bidi embedding, override and isolate characters: scraped text must not reorder what a reader
# sees (a title that displays as another site's name, a reversed amount).
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Digest:
    """Several alerts for one channel sent as one message.

    ``reason`` is ``"digest"`` for a channel in digest mode and ``"storm"`` when storm protection
    folded alerts that went over the channel's limit.
    """

    channel: str
    alerts: tuple[Alert, ...]
    reason: Literal["digest", "storm"] = "digest"
    since: datetime | None = None
    until: datetime | None = None


# -- plain helpers ---------------------------------------------------------------------------


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def one_line(text: str) -> str:
    """Collapse control characters and line breaks (header and title safety)."""
    return _CONTROL.sub(" ", text).strip()


def format_amount(amount: Amount) -> str:
    """``14.3e9 USD`` -> ``$14.3B``; unknown currencies keep their code."""
    value = amount.value
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            number = f"{value / size:.1f}".removesuffix(".0") + suffix
            break
    else:
        number = f"{value:,.0f}"
    symbol = _CURRENCY_SYMBOL.get(amount.currency.upper())
    return f"{symbol}{number}" if symbol else f"{number} {amount.currency.upper()}"


def format_time(value: datetime | None) -> str:
    """A published time as ``2026-06-12 14:05 UTC`` (naive datetimes are taken as UTC)."""
    if value is None:
        return "time unknown"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def best_match(alert: Alert) -> Match | None:
    """The match shown up front (matches arrive best first)."""
    return alert.matches[0] if alert.matches else None


def lead_line(alert: Alert) -> str:
    """The line a reader decides on: ``Deal · Meta → Scale AI · $14.3B`` (plain, unescaped)."""
    match = best_match(alert)
    if match is None:
        return "Match"
    parts = [_KIND_LABEL.get(match.kind, match.kind.title())]
    from_roles, to_roles = _ROLES.get(match.kind, _ROLES["both"])
    givers = _names(e.name for e in match.entities if e.role in from_roles)
    takers = _names(e.name for e in match.entities if e.role in to_roles)
    if givers and takers:
        parts.append(f"{givers} → {takers}")
    elif givers or takers:
        parts.append(givers or takers)
    elif match.entities:
        parts.append(_names(e.name for e in match.entities))
    if match.amounts:
        parts.append(format_amount(max(match.amounts, key=lambda a: a.value)))
    return one_line(" · ".join(parts))


def _names(names: Iterable[str], limit: int = 3) -> str:
    unique = list(dict.fromkeys(one_line(n) for n in names if n.strip()))
    shown = ", ".join(unique[:limit])
    return shown + (f" +{len(unique) - limit}" if len(unique) > limit else "")


def watchlists(alert: Alert) -> str:
    return ", ".join(dict.fromkeys(m.watchlist for m in alert.matches)) or "-"


def evidence_of(alert: Alert, limit: int = 2) -> list[Evidence]:
    """The evidence sentences of the best match, title evidence last (the title is shown anyway)."""
    match = best_match(alert)
    if match is None:
        return []
    ordered = sorted(match.evidence, key=lambda e: e.field == "title")
    return ordered[:limit]


def _segments(ev: Evidence) -> list[tuple[str, bool]]:
    """Split evidence into (text, emphasised) pieces along its (clamped, sorted) spans."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in sorted(ev.spans):
        start, end = max(start, pos), min(end, len(ev.text))
        if end <= start:
            continue
        if start > pos:
            out.append((ev.text[pos:start], False))
        out.append((ev.text[start:end], True))
        pos = end
    if pos < len(ev.text):
        out.append((ev.text[pos:], False))
    return out


def safe_http_url(url: str) -> str | None:
    """``url`` when it is http(s) (links to anything else are not rendered as links)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


# -- Slack -----------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Escape text for Slack mrkdwn: only ``&``, ``<`` and ``>`` (Slack's documented rule).

    Bidi override characters are dropped too.
    """
    text = _BIDI.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    # Inside <url|label> a '|' or '>' in the URL would end it; percent-encode them.
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._").replace("&", "&amp;")


def slack_link(url: str, label: str) -> str:
    """A mrkdwn link to an http(s) URL, or just the escaped label when the URL is unsafe."""
    safe = safe_http_url(url)
    # Truncate before escaping so an entity or the link markup is never cut in half.
    text = slack_escape(truncate(one_line(label), SLACK_LINK_LABEL_MAX)) or "(untitled)"
    if safe is None or len(safe) > SLACK_LINK_URL_MAX:
        return text
    return f"<{_slack_url(safe)}|{text}>"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, SLACK_SECTION_MAX), "verbatim": True}


def _slack_evidence(ev: Evidence) -> str:
    pieces = []
    for text, bold in _segments(ev):
        chunk = slack_escape(one_line(text) if bold else text.replace("\n", " "))
        # Bold only works on words without surrounding spaces inside the asterisks.
        pieces.append(f"*{chunk.strip()}*" if bold and chunk.strip() else chunk)
    return "> " + "".join(pieces)


def _meta_line(alert: Alert) -> str:
    source = one_line(alert.source) or "?"
    return " · ".join((source, format_time(alert.published), f"watchlist {watchlists(alert)}"))


def slack_fallback(alert: Alert) -> str:
    """The notification text shown where blocks cannot be (escaped: Slack parses it too)."""
    text = f"{lead_line(alert)} — {one_line(alert.title)}"
    url = safe_http_url(alert.url)
    escaped = slack_escape(truncate(text, SLACK_FALLBACK_MAX - 200))
    return f"{escaped} {slack_escape(url)}" if url else escaped


def slack_blocks(alert: Alert) -> list[dict[str, Any]]:
    """Block Kit for one alert: header lead line, linked headline, evidence, context, button."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": truncate(lead_line(alert), SLACK_HEADER_MAX),
                "emoji": False,
            },
        },
        {"type": "section", "text": _mrkdwn("*" + slack_link(alert.url, alert.title) + "*")},
    ]
    for ev in evidence_of(alert):
        blocks.append({"type": "section", "text": _mrkdwn(_slack_evidence(ev))})
    blocks.append({"type": "context", "elements": [_mrkdwn(slack_escape(_meta_line(alert)))]})
    url = safe_http_url(alert.url)
    if url and len(url) <= SLACK_BUTTON_URL_MAX:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open article", "emoji": False},
                        "url": url,
                        "action_id": "open_article",
                    }
                ],
            }
        )
    return blocks[:SLACK_BLOCKS_MAX]


def digest_title(digest: Digest) -> str:
    n = len(digest.alerts)
    noun = "alert" if n == 1 else "alerts"
    if digest.reason == "storm":
        return f"Storm protection · {n} {noun} folded into one message"
    return f"Digest · {n} {noun}"


def group_by_watchlist(alerts: Sequence[Alert]) -> dict[str, list[Alert]]:
    """Alerts grouped by the watchlist of their best match, in first-seen order."""
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        match = best_match(alert)
        groups.setdefault(match.watchlist if match else "-", []).append(alert)
    return groups


def slack_digest_blocks(digest: Digest) -> list[dict[str, Any]]:
    """Block Kit for a digest: one section per watchlist (split at 3000 chars), 50 blocks max."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": truncate(digest_title(digest), SLACK_HEADER_MAX),
                "emoji": False,
            },
        }
    ]
    if digest.since is not None and digest.until is not None:
        span = f"{format_time(digest.since)} – {format_time(digest.until)}"
        blocks.append({"type": "context", "elements": [_mrkdwn(span)]})
    room = SLACK_BLOCKS_MAX - len(blocks) - 1  # keep one block for "and N more"
    shown = 0
    for name, alerts in group_by_watchlist(digest.alerts).items():
        if room <= 1:
            break
        lines = [f"*{slack_escape(one_line(name))}* ({len(alerts)})"]
        for alert in alerts:
            line = f"• {slack_escape(lead_line(alert))} — {slack_link(alert.url, alert.title)}"
            if sum(len(x) + 1 for x in lines) + len(line) > SLACK_SECTION_MAX:
                blocks.append({"type": "section", "text": _mrkdwn("\n".join(lines))})
                room -= 1
                lines = []
                if room <= 1:
                    break
            lines.append(line)
            shown += 1
        if lines and room > 1:
            blocks.append({"type": "section", "text": _mrkdwn("\n".join(lines))})
            room -= 1
    if shown < len(digest.alerts):
        more = f"…and {len(digest.alerts) - shown} more (see `newswatch matches`)"
        blocks.append({"type": "context", "elements": [_mrkdwn(more)]})
    return blocks[:SLACK_BLOCKS_MAX]


def slack_digest_fallback(digest: Digest) -> str:
    return slack_escape(digest_title(digest))


# -- email -----------------------------------------------------------------------------------


def email_header(text: str, limit: int = EMAIL_SUBJECT_MAX) -> str:
    """A header value with CR, LF and other control characters removed (no header injection),
    and no bidi override characters."""
    return truncate(one_line(_BIDI.sub("", text)), limit)


def email_subject(alert: Alert, prefix: str = "") -> str:
    base = f"{lead_line(alert)} — {one_line(alert.title)}"
    return email_header(f"{prefix} {base}" if prefix else base)


def email_text(alert: Alert) -> str:
    """The plain-text body of one alert."""
    lines = [lead_line(alert), "", one_line(alert.title), alert.url, ""]
    for ev in evidence_of(alert):
        lines.append("> " + ev.text.replace("\n", " "))
    lines += ["", _meta_line(alert), ""]
    return "\n".join(lines)


def _html_evidence(ev: Evidence) -> str:
    pieces = _segments(ev)
    return "".join(f"<strong>{html.escape(t)}</strong>" if b else html.escape(t) for t, b in pieces)


def _html_link(url: str, label: str) -> str:
    safe = safe_http_url(url)
    text = html.escape(one_line(label)) or "(untitled)"
    return f'<a href="{html.escape(safe, quote=True)}">{text}</a>' if safe else text


def email_html(alert: Alert) -> str:
    """The HTML body of one alert (every web string escaped)."""
    quotes = "".join(
        f'<blockquote style="margin:8px 0;padding-left:8px;border-left:3px solid #ccc">'
        f"{_html_evidence(ev)}</blockquote>"
        for ev in evidence_of(alert)
    )
    return (
        '<!DOCTYPE html><html><body style="font-family:sans-serif">'
        f'<p style="font-weight:bold;font-size:16px">{html.escape(lead_line(alert))}</p>'
        f'<p style="font-size:15px">{_html_link(alert.url, alert.title)}</p>'
        f"{quotes}"
        f'<p style="color:#666;font-size:12px">{html.escape(_meta_line(alert))}</p>'
        "</body></html>"
    )


def email_digest_subject(digest: Digest, prefix: str = "") -> str:
    title = digest_title(digest)
    return email_header(f"{prefix} {title}" if prefix else title)


def email_digest_text(digest: Digest) -> str:
    lines = [digest_title(digest), ""]
    for name, alerts in group_by_watchlist(digest.alerts).items():
        lines.append(f"{one_line(name)} ({len(alerts)})")
        for alert in alerts:
            lines.append(f"  - {lead_line(alert)} — {one_line(alert.title)}")
            lines.append(f"    {alert.url}")
        lines.append("")
    return "\n".join(lines)


def email_digest_html(digest: Digest) -> str:
    parts = [
        '<!DOCTYPE html><html><body style="font-family:sans-serif">',
        f'<p style="font-weight:bold;font-size:16px">{html.escape(digest_title(digest))}</p>',
    ]
    for name, alerts in group_by_watchlist(digest.alerts).items():
        parts.append(f"<h3>{html.escape(one_line(name))} ({len(alerts)})</h3><ul>")
        for alert in alerts:
            parts.append(
                f"<li>{html.escape(lead_line(alert))} — {_html_link(alert.url, alert.title)}</li>"
            )
        parts.append("</ul>")
    parts.append("</body></html>")
    return "".join(parts)


# -- JSON ------------------------------------------------------------------------------------


def alert_json(alert: Alert) -> dict[str, Any]:
    """A JSON-ready dict of one alert (webhooks, console JSON lines)."""
    return {
        "type": "alert",
        "lead": lead_line(alert),
        "article": {
            "id": alert.article_id,
            "title": alert.title,
            "url": alert.url,
            "source": alert.source,
            "published": alert.published.isoformat() if alert.published else None,
        },
        "matches": [m.to_dict() for m in alert.matches],
    }


def digest_json(digest: Digest) -> dict[str, Any]:
    """A JSON-ready dict of a digest."""
    return {
        "type": "digest",
        "reason": digest.reason,
        "channel": digest.channel,
        "count": len(digest.alerts),
        "since": digest.since.isoformat() if digest.since else None,
        "until": digest.until.isoformat() if digest.until else None,
        "alerts": [alert_json(a) for a in digest.alerts],
    }


def notice_json(notice: Notice) -> dict[str, Any]:
    """A JSON-ready dict of an operational notice."""
    return {"type": "notice", "text": notice.text, "channel": notice.channel}


def message_json(message: Alert | Digest | Notice) -> dict[str, Any]:
    """JSON of whatever a notifier is asked to send."""
    if isinstance(message, Alert):
        return alert_json(message)
    if isinstance(message, Notice):
        return notice_json(message)
    return digest_json(message)


# -- notices -------------------------------------------------------------------------------


def notice_text(notice: Notice) -> str:
    """The plain text of a notice (bounded: it may quote an error or a config line)."""
    return truncate(notice.text.strip(), SLACK_SECTION_MAX - 100)


def slack_notice_blocks(notice: Notice) -> list[dict[str, Any]]:
    """Block Kit for an operational notice: one context line and the escaped text."""
    return [
        {"type": "context", "elements": [_mrkdwn("newswatch notice")]},
        {"type": "section", "text": _mrkdwn(slack_escape(notice_text(notice)))},
    ]


def email_notice_subject(notice: Notice, prefix: str = "") -> str:
    first = notice.text.strip().splitlines()[0] if notice.text.strip() else "notice"
    return email_header(f"{prefix} notice: {first}" if prefix else f"notice: {first}")


def email_notice_html(notice: Notice) -> str:
    body = html.escape(notice_text(notice)).replace("\n", "<br>")
    return f'<!DOCTYPE html><html><body style="font-family:sans-serif"><p>{body}</p></body></html>'


def sample_alert() -> Alert:
    """A realistic alert for ``newswatch alerts test`` (its title carries the injection probe,
    so a test message also shows that nobody gets pinged)."""
    from datetime import timedelta

    from crawler.matching.types import EntityRef

    sentence = "Meta will invest $14.3 billion in Scale AI, and its CEO Alexandr Wang joins Meta."
    match = Match(
        watchlist="newswatch-test",
        score=1.0,
        kind="deal",
        entities=(EntityRef("Meta", "investor"), EntityRef("Scale AI", "target")),
        amounts=(Amount(14.3e9, "USD", "$14.3 billion"),),
        evidence=(Evidence(sentence, spans=((0, 4), (17, 30), (34, 42))),),
    )
    return Alert(
        article_id=0,
        title="newswatch test alert: Meta invests $14.3B in Scale AI (<!channel> stays literal)",
        url="https://example.com/newswatch-test-alert",
        source="newswatch",
        published=datetime.now(UTC) - timedelta(minutes=5),
        matches=(match,),
    )
