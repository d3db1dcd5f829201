"""Slack rendering: Block Kit for alerts, digests and notices, and the plain-text fallback.

Slack text escapes only ``&``, ``<`` and ``>`` and every mrkdwn object sets ``verbatim: true``, so
``<!channel>`` or ``<@U123>`` in a headline stays literal. The limits (header, section text, number
of blocks...) are those of the notifier that renders (:class:`alerts.slack.SlackNotifier` keeps
them as class attributes) and are met by truncating, never by failing.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

from alerts.model import Alert, Notice
from alerts.render import (
    Digest,
    best_match,
    digest_title,
    emphasis_segments,
    evidence_of,
    format_time,
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


class SlackLimits(Protocol):
    """The Slack limits a renderer needs (characters, or blocks per message)."""

    @property
    def header_max(self) -> int: ...

    @property
    def section_max(self) -> int: ...

    @property
    def blocks_max(self) -> int: ...

    @property
    def button_url_max(self) -> int: ...

    @property
    def fallback_max(self) -> int: ...

    @property
    def link_label_max(self) -> int: ...

    @property
    def link_url_max(self) -> int: ...


def slack_escape(text: str) -> str:
    """Escape text for Slack mrkdwn: only ``&``, ``<`` and ``>`` (Slack's documented rule).

    Bidi override characters are dropped too.
    """
    text = strip_bidi(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    # Inside <url|label> a '|' or '>' in the URL would end it; percent-encode them.
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._").replace("&", "&amp;")


def _slack_evidence(ev: Evidence, match: Match | None) -> str:
    pieces = []
    for text, bold in emphasis_segments(ev, match):
        chunk = slack_escape(one_line(text) if bold else text.replace("\n", " "))
        # Bold only works on words without surrounding spaces inside the asterisks.
        pieces.append(f"*{chunk.strip()}*" if bold and chunk.strip() else chunk)
    return "> " + "".join(pieces)


class SlackRender:
    """Renders messages within ``limits`` (a notifier class or instance)."""

    def __init__(self, limits: SlackLimits) -> None:
        self.limits = limits

    def link(self, url: str, label: str) -> str:
        """A mrkdwn link to an http(s) URL, or just the escaped label when the URL is unsafe."""
        safe = safe_http_url(url)
        # Truncate before escaping so an entity or the link markup is never cut in half.
        text = slack_escape(truncate(one_line(label), self.limits.link_label_max)) or "(untitled)"
        if safe is None or len(safe) > self.limits.link_url_max:
            return text
        return f"<{_slack_url(safe)}|{text}>"

    def _mrkdwn(self, text: str) -> dict[str, Any]:
        return {"type": "mrkdwn", "text": truncate(text, self.limits.section_max), "verbatim": True}

    def fallback(self, alert: Alert) -> str:
        """The notification text shown where blocks cannot be (escaped: Slack parses it too)."""
        text = f"{lead_line(alert)} — {one_line(alert.title)}"
        url = safe_http_url(alert.url)
        escaped = slack_escape(truncate(text, self.limits.fallback_max - 200))
        return f"{escaped} {slack_escape(url)}" if url else escaped

    def blocks(self, alert: Alert, feedback: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Block Kit for one alert: header lead line, linked headline, evidence, context, button,
        and the ``feedback`` actions block last (:mod:`alerts.slack_buttons`), always kept."""
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": truncate(lead_line(alert), self.limits.header_max),
                    "emoji": False,
                },
            },
            {
                "type": "section",
                "text": self._mrkdwn("*" + self.link(alert.url, alert.title) + "*"),
            },
        ]
        for ev in evidence_of(alert):
            text = _slack_evidence(ev, best_match(alert))
            blocks.append({"type": "section", "text": self._mrkdwn(text)})
        context = [slack_escape(meta_line(alert)), slack_escape(why_line(alert))]
        blocks.append({"type": "context", "elements": [self._mrkdwn(c) for c in context if c]})
        url = safe_http_url(alert.url)
        if url and len(url) <= self.limits.button_url_max:
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
        if feedback is not None:
            return [*blocks[: self.limits.blocks_max - 1], feedback]
        return blocks[: self.limits.blocks_max]

    def reply_fallback(self, alert: Alert) -> str:
        """A later report of a story, as its thread reply's text (escaped)."""
        source = one_line(alert.source) or "another outlet"
        if alert.story is not None and alert.story.material:
            text = f"Update · {lead_line(alert)} — {one_line(alert.title)} ({source})"
        else:
            text = f"Also reported by {source}: {one_line(alert.title)}"
        url = safe_http_url(alert.url)
        escaped = slack_escape(truncate(text, self.limits.fallback_max - 200))
        return f"{escaped} {slack_escape(url)}" if url else escaped

    def reply_blocks(self, alert: Alert) -> list[dict[str, Any]]:
        """Block Kit of a thread reply: "also reported by" a line, a material update with its
        lead line and evidence (it is broadcast to the channel too)."""
        source = slack_escape(one_line(alert.source) or "another outlet")
        link = self.link(alert.url, alert.title)
        if alert.story is None or not alert.story.material:
            return [
                {"type": "section", "text": self._mrkdwn(f"Also reported by *{source}*: {link}")}
            ]
        blocks: list[dict[str, Any]] = [
            {
                "type": "section",
                "text": self._mrkdwn(
                    f"*Update · {slack_escape(lead_line(alert))}*\n{link} ({source})"
                ),
            }
        ]
        for ev in evidence_of(alert, limit=1):
            text = _slack_evidence(ev, best_match(alert))
            blocks.append({"type": "section", "text": self._mrkdwn(text)})
        return blocks

    def digest_blocks(self, digest: Digest) -> list[dict[str, Any]]:
        """Block Kit for a digest: a section per watchlist (split at the section limit), bounded."""
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": truncate(digest_title(digest), self.limits.header_max),
                    "emoji": False,
                },
            }
        ]
        if digest.since is not None and digest.until is not None:
            span = f"{format_time(digest.since)} – {format_time(digest.until)}"
            blocks.append({"type": "context", "elements": [self._mrkdwn(span)]})
        room = self.limits.blocks_max - len(blocks) - 1  # keep one block for "and N more"
        shown = 0
        for name, alerts in group_by_watchlist(digest.alerts).items():
            if room <= 1:
                break
            lines = [f"*{slack_escape(one_line(name))}* ({len(alerts)})"]
            for alert in alerts:
                line = f"• {slack_escape(lead_line(alert))} — {self.link(alert.url, alert.title)}"
                if outlets := outlets_line(alert):
                    line += f" ({slack_escape(outlets)})"
                if sum(len(x) + 1 for x in lines) + len(line) > self.limits.section_max:
                    blocks.append({"type": "section", "text": self._mrkdwn("\n".join(lines))})
                    room -= 1
                    lines = []
                    if room <= 1:
                        break
                lines.append(line)
                shown += 1
            if lines and room > 1:
                blocks.append({"type": "section", "text": self._mrkdwn("\n".join(lines))})
                room -= 1
        if shown < len(digest.alerts):
            more = f"…and {len(digest.alerts) - shown} more (see `newswatch matches`)"
            blocks.append({"type": "context", "elements": [self._mrkdwn(more)]})
        return blocks[: self.limits.blocks_max]

    def digest_fallback(self, digest: Digest) -> str:
        return slack_escape(digest_title(digest))

    def notice_blocks(self, notice: Notice) -> list[dict[str, Any]]:
        """Block Kit for an operational notice: one context line and the escaped text."""
        return [
            {"type": "context", "elements": [self._mrkdwn("newswatch notice")]},
            {"type": "section", "text": self._mrkdwn(slack_escape(notice_text(notice)))},
        ]
