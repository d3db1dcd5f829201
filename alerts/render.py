"""What every medium's rendering shares: the digest type, text helpers, JSON, and notices.

Everything that came from the web (titles, sources, evidence, entity names) is escaped by the
medium's own renderer (:mod:`alerts.render_slack`, :mod:`alerts.render_email`); the helpers here
give it one line, a bounded length and a safe URL first. A channel's limits are class attributes
of its notifier, which hands them to its renderer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from alerts.model import Alert, Notice
from crawler.matching.types import Amount, Evidence, Match

# A notice quotes an error or a config line; bounded so it fits any channel's message.
NOTICE_MAX = 2900

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


def strip_bidi(text: str) -> str:
    """Drop bidi embedding, override and isolate characters."""
    return _BIDI.sub("", text)


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
    """The line a reader decides on: ``Deal · Meta → Scale AI · $14.3B`` (plain, unescaped).

    It names the main event's parties when the filter found them ("Deal · Zendesk → Cleverly.ai
    (AI support automation) · agreed · $50M"); older matches stored without an event fall back
    to the entities' roles.
    """
    match = best_match(alert)
    if match is None:
        return "Match"
    if match.event is not None and (match.event.actor or match.event.target):
        parts = [match.event.headline()]
        if match.amounts:
            parts.append(format_amount(max(match.amounts, key=lambda a: a.value)))
        return one_line(" · ".join(parts))
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
    """The body's evidence sentences of the best match: the title is shown anyway, so a quote
    of it (or of a sentence that only repeats it) would say the same thing twice."""
    match = best_match(alert)
    if match is None:
        return []
    title = _plain(alert.title)
    body = [e for e in match.evidence if e.field != "title" and _plain(e.text) != title]
    return body[:limit]


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def parties_of(match: Match) -> list[str]:
    """The names an alert emphasises: the main event's parties, else the matched entities."""
    names: list[str] = []
    if match.event is not None:
        names += [n for n in (match.event.actor, match.event.target) if n]
    names += [e.name for e in match.entities]
    return list(dict.fromkeys(n for n in names if n.strip()))


def emphasis_segments(ev: Evidence, match: Match | None) -> list[tuple[str, bool]]:
    """Split evidence into (text, emphasised) pieces, emphasising only parties and amounts.

    The filter's spans also mark the cue words ("acquires", "hires"); bolding those too made
    every sentence look shouted, so a span is kept only when it is a party's name or an amount.
    """
    if match is None:
        return [(ev.text, False)] if ev.text else []
    wanted = {_plain(n) for n in parties_of(match)} | {_plain(a.text) for a in match.amounts}
    wanted.discard("")
    spans = [(a, b) for a, b in ev.spans if _plain(ev.text[a:b]) in wanted]
    # Names the scan did not mark in this sentence (a party named again) are found by search.
    folded = ev.text.casefold()
    for name in [*parties_of(match), *(a.text for a in match.amounts)]:
        needle = name.casefold().strip()
        start = folded.find(needle) if needle else -1
        while start >= 0:
            end = start + len(needle)
            before = folded[start - 1] if start else " "
            after = folded[end] if end < len(folded) else " "
            if not before.isalnum() and not after.isalnum():
                spans.append((start, end))
            start = folded.find(needle, end)
    return evidence_segments(Evidence(ev.text, _merge(spans), ev.field))


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def why_line(alert: Alert) -> str:
    """Why it matched, in one line: ``why: deal · Meta (investor), Scale AI (target) · score
    0.87`` (plain, unescaped)."""
    match = best_match(alert)
    if match is None:
        return ""
    roles: dict[str, str | None] = {}
    if match.event is not None:
        hiring = match.event.kind == "hiring"
        actor_role = "hirer" if hiring else "acquirer or investor"
        target_role = "person" if hiring else "target"
        if match.event.actor:
            roles[match.event.actor] = actor_role
        if match.event.target:
            roles[match.event.target] = target_role
    for entity in match.entities:
        if roles.get(entity.name) is None or entity.role:
            roles[entity.name] = entity.role or roles.get(entity.name)
    parties = ", ".join(
        one_line(name) + (f" ({role})" if role else "") for name, role in list(roles.items())[:4]
    )
    parts = [f"why: {match.kind}", parties, f"score {match.score:.2f}"]
    return " · ".join(p for p in parts if p)


def evidence_segments(ev: Evidence) -> list[tuple[str, bool]]:
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


def meta_line(alert: Alert) -> str:
    """Source, time and watchlists of an alert on one line."""
    source = one_line(alert.source) or "?"
    parts = [source, format_time(alert.published), f"watchlist {watchlists(alert)}"]
    outlets = outlets_line(alert)
    return " · ".join([*parts, outlets] if outlets else parts)


def safe_http_url(url: str) -> str | None:
    """``url`` when it is http(s) (links to anything else are not rendered as links)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def digest_title(digest: Digest) -> str:
    n = len(digest.alerts)
    noun = "alert" if n == 1 else "alerts"
    if digest.reason == "storm":
        return f"Storm protection · {n} {noun} folded into one message"
    return f"Digest · {n} {noun}"


def one_per_story(alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    """One alert per story (its first), in order: a digest lists each story once, with its
    outlets, however many of its reports are in the period."""
    seen: set[int] = set()
    out: list[Alert] = []
    for alert in alerts:
        if alert.story is not None:
            if alert.story.id in seen:
                continue
            seen.add(alert.story.id)
        out.append(alert)
    return tuple(out)


def outlets_line(alert: Alert, limit: int = 6) -> str:
    """``reported by wire, bytes +2`` when more than one outlet reported the story."""
    outlets = [o.source for o in alert.story.outlets] if alert.story else []
    if len(outlets) < 2:
        return ""
    return f"reported by {_names(outlets, limit)}"


def group_by_watchlist(alerts: Sequence[Alert]) -> dict[str, list[Alert]]:
    """Alerts grouped by the watchlist of their best match, in first-seen order."""
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        match = best_match(alert)
        groups.setdefault(match.watchlist if match else "-", []).append(alert)
    return groups


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
        "story_id": alert.story.id if alert.story else None,
        "event": alert.story.event if alert.story else "new",
        "outlets": [
            {"source": o.source, "url": o.url} for o in (alert.story.outlets if alert.story else ())
        ],
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
    return truncate(notice.text.strip(), NOTICE_MAX)


def sample_alert() -> Alert:
    """A realistic alert for ``newswatch alerts test``, published now."""
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
        title="newswatch test alert: Meta invests $14.3B in Scale AI",
        url="https://example.com/newswatch-test-alert",
        source="newswatch",
        published=datetime.now(UTC),
        matches=(match,),
    )
