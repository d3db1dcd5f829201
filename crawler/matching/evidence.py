"""Turn a story's main frame and its supporting frames into a :class:`Match` an alert can show.

The evidence is the main frame's sentence first, then up to two more sentences of other frames of
the passing kinds, most prominent first; the spans in each sentence mark the parties, the cue and
the money, which is what a reader's eye needs (not every matched word). The :class:`Event` names the
main frame's actor and target (open-world names included), what the target is ("AI support
automation", from its descriptor) and the deal's status.
"""

from __future__ import annotations

import re

from crawler.matching.compiler import ENTITY, CompiledWatchlist
from crawler.matching.event_frame import Frame
from crawler.matching.parties import Party
from crawler.matching.scan import Field
from crawler.matching.story import prominence
from crawler.matching.text import find_amounts
from crawler.matching.types import Amount, EntityRef, Event, EventKind, Evidence, Match

MAX_EVIDENCE = 3
_GENERIC = frozenset(
    [
        "startup",
        "start-up",
        "company",
        "firm",
        "provider",
        "maker",
        "developer",
        "platform",
        "business",
        "specialist",
        "outfit",
        "vendor",
        "player",
    ]
)
# Words that open the stretch between a cue and its target without describing the target.
_LEADING = frozenset(
    (
        *("a", "an", "the", "its", "their", "his", "her", "rival", "fellow"),
        *("of", "in", "into", "for", "to", "buy", "acquire", "stake"),
    )
)
_APPOSITION = re.compile(
    r"^\s*,\s*(?:a|an|the)\s+([^,.;]{3,80}?)(?:,|\.|;| that | which | whose |$)"
)


def _roles(frame: Frame) -> tuple[str, str]:
    if frame.kind == "hiring":
        return "hirer", "person"
    return ("investor", "target") if frame.invest else ("acquirer", "target")


def descriptor(frame: Frame, f: Field) -> str | None:
    """What the target is: the words before its name when they end in a company noun ("AI
    support-automation startup Cleverly.ai"), or its apposition ("Cleverly.ai, an AI startup")."""
    target = frame.target
    if target is None or frame.kind != "deal":
        return None
    words: list[str] = []
    cue_end = frame.cue[1]
    if cue_end <= target.start and target.start - cue_end < 70:
        before = f.text[cue_end : target.start].replace("-", " ").split()
        if before and before[-1].lower() in _GENERIC:
            words = before
    if not words:
        m = _APPOSITION.match(f.text[target.end : frame.end])
        if m:
            words = m.group(1).replace("-", " ").split()
    words = [w for w in words if not re.fullmatch(r"[$€£]?[\d.,]+[%MBK]?|million|billion", w)]
    while words and words[0].lower() in _LEADING:
        words.pop(0)
    if len(words) > 1 and words[-1].lower() in _GENERIC:
        words.pop()
    if not words or len(words) > 6 or any(w[:1].isupper() and w not in ("AI", "ML") for w in words):
        return None
    return " ".join(words)


def _spans(frame: Frame, base: int, length: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for p in (frame.actor, *frame.also, frame.target, frame.origin):
        if p is not None and frame.start <= p.start:
            spans.append((p.start - base, p.end - base))
    spans.append((frame.cue[0] - base, frame.cue[1] - base))
    return [(a, b) for a, b in spans if 0 <= a < b <= length]


def _status(main: Frame, frames: list[Frame]) -> str | None:
    """The main deal's status, from its own sentence or another sentence about the same target."""
    if main.status or main.target is None:
        return main.status
    same = [fr for fr in frames if fr.target and fr.target.name == main.target.name and fr.status]
    return max(same, key=prominence).status if same else None


def build_match(
    cw: CompiledWatchlist,
    score: float,
    kind: EventKind,
    main: Frame,
    frames: list[Frame],
    fields: dict[str, Field],
    explain: tuple[str, ...] = (),
) -> Match:
    """The match for one watchlist: event, parties with roles, amounts and evidence."""
    chosen: list[Frame] = [main]
    for fr in sorted(frames, key=lambda fr: -prominence(fr)):
        if len(chosen) >= MAX_EVIDENCE:
            break
        if all((fr.field, fr.start) != (c.field, c.start) for c in chosen) and prominence(fr) > 0.2:
            chosen.append(fr)
    evidence: list[Evidence] = []
    amounts: list[Amount] = []
    for fr in chosen:
        f = fields[fr.field]
        raw = f.text[fr.start : fr.end]
        base = fr.start + len(raw) - len(raw.lstrip())
        sentence = raw.strip()
        spans = [
            span
            for other in frames
            if (other.field, other.start) == (fr.field, fr.start)
            for span in _spans(other, base, len(sentence))
        ]
        # The same sentence is evidence for every watchlist that matches: its amounts are read once.
        found = f.once(("amounts", fr.start, fr.end), lambda: find_amounts(sentence))  # noqa: B023
        for amount, span in found:
            spans.append(span)
            if all(a.value != amount.value or a.currency != amount.currency for a in amounts):
                amounts.append(amount)
        if any(e.text == sentence for e in evidence):
            continue  # extracted bodies often repeat the headline
        kept: list[tuple[int, int]] = []
        for a, b in sorted(set(spans), key=lambda ab: (ab[0], -ab[1])):
            if not kept or a >= kept[-1][1]:
                kept.append((a, b))
        evidence.append(Evidence(sentence, tuple(kept), fr.field))
    entities: list[EntityRef] = []
    seen: set[str] = set()

    def add(p: Party | None, role: str | None) -> None:
        if p is not None and p.name not in seen:
            seen.add(p.name)
            entities.append(EntityRef(p.name, role))

    for fr in chosen:
        g, t = _roles(fr)
        for p in (fr.actor, *fr.also):
            add(p, g)
        add(fr.target, t)
    for fr in chosen:
        add(fr.origin, "origin")
    # Watched entities named in the evidence, whatever their part ("OpenAI-backed Wiz").
    for fr in chosen:
        for h in fields[fr.field].of(cw.index):
            if h.category == ENTITY and fr.start <= h.start < fr.end:
                add(Party(cw.watchlist.entities[h.payload].name, h.start, h.end), None)
    actors = [p.name for p in (main.actor, *main.also) if p is not None]
    event = Event(
        kind=kind,
        actor=" and ".join(actors) if actors else None,
        target=main.target.name if main.target else None,
        descriptor=descriptor(main, fields[main.field]),
        status=_status(main, frames) if main.kind == "deal" else None,
        origin=main.origin.name if main.origin and main.kind == "hiring" else None,
    )
    return Match(
        watchlist=cw.watchlist.name,
        score=score,
        kind=kind,
        entities=tuple(entities),
        amounts=tuple(amounts),
        evidence=tuple(evidence),
        notify=cw.watchlist.notify,
        event=event,
        explain=explain,
    )
