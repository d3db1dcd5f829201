"""Deals that no acquisition cue names: rounds led by strategic investors, license-and-hire deals.

A round *led* by a corporate venture arm or a strategic investor ("led by Intel Capital", "Microsoft
and Nvidia co-led") is a deal under the rubric, where a round led by venture funds is not; the
investor must stand next to the lead cue, with only names between, and not be people ("backing
from Google execs"). "Pays $650M to license X's models and hire its CEO" is an acquisition in all
but name.
"""

from __future__ import annotations

import re

from crawler.matching.compiler import ENTITY, FOCUS, LEAD_CUE, STRATEGIC, CompiledWatchlist
from crawler.matching.descriptors import frame_ai
from crawler.matching.event_frame import STRATEGIC_SENTENCES, Frame
from crawler.matching.parties import Party, investor_like
from crawler.matching.roles import party_name, sentence_parties
from crawler.matching.scan import Field, Hit


def round_leads(f: Field, shared: list[Hit]) -> dict[int, tuple[int, int, Hit]]:
    """Sentences of the title and the first body sentences where a strategic investor leads a
    round: {sentence index: (start, end, the lead cue)}."""
    investors = [h for h in shared if h.category == STRATEGIC]
    if not investors:
        return {}
    leads = [h for h in shared if h.category == LEAD_CUE]
    out: dict[int, tuple[int, int, Hit]] = {}
    for inv in investors:
        if _PEOPLE_AFTER.match(f.text[inv.end : inv.end + 20]):
            continue  # "backing from Google execs": people, not the company
        if f.name == "title":
            index, s, e = 0, 0, len(f.text)
        else:
            index, s, e = f.sentence_span(inv.start)
            if index >= STRATEGIC_SENTENCES:
                continue
        # "led by Intel Capital", "Microsoft and Nvidia co-led": the investor stands next to the
        # cue, with only names between ("former Google engineer ... led" is not Google leading).
        lead = next(
            (
                h
                for h in leads
                if s <= h.start < e
                and _adjacent(
                    f.text[inv.end : h.start] if inv.end <= h.start else f.text[h.end : inv.start]
                )
            ),
            None,
        )
        if lead is not None:
            out[index] = (s, e, lead)
    return out


_PEOPLE_AFTER = re.compile(
    r"^['’]?s?\s+(?:execs?|executives?|employees?|engineers?|alumni|veterans?|founders?|"
    r"researchers?|staff|insiders?|leaders?)\b"
)


def _adjacent(between: str) -> bool:
    """Whether only names (and "and", "'s") stand between an investor and a lead cue."""
    if len(between) > 40:
        return False
    words = re.findall(r"[A-Za-z][\w'’.-]*", between)
    return all(w[0].isupper() or w in ("and", "by", "the", "its", "s", "co") for w in words)


def round_frame(
    f: Field,
    index: int,
    where: tuple[int, int, Hit],
    inside: list[Hit],
    shared_in: list[Hit],
    cw: CompiledWatchlist,
    known: list[str],
) -> list[Frame]:
    """A round led by a strategic investor is a deal: the investor invests in the company."""
    s, e, lead = where
    topic = next((t for t, lex in cw.lexicons.items() if lex.kind == "deal"), None)
    if topic is None:
        return []
    entity_hits = [h for h in inside if h.category == ENTITY]
    parties = [party_name(p, cw) for p in sentence_parties(f, s, e, entity_hits, cw, known)]
    investor_spans = [(h.start, h.end) for h in shared_in if h.category == STRATEGIC]
    investors = [p for p in parties if any(a < p.end and p.start < b for a, b in investor_spans)]
    others = [p for p in parties if p not in investors and not investor_like(p.name)]
    frame = Frame(
        kind="deal",
        topic=topic,
        verb="strategic round",
        field=f.name,
        sentence=index,
        start=s,
        end=e,
        cue=(lead.start, lead.end),
        strength=0.8,
        actor=investors[0] if investors else None,
        target=others[0] if others else None,
        form="round",
        invest=True,
        strategic=True,
        lead=True,
    )
    focus_hits = [h for h in inside if h.category == FOCUS]
    frame.watched = any(p.entity is not None for p in (frame.actor, frame.target) if p)
    frame.ai = frame_ai(frame, focus_hits, cw, bool(focus_hits), f.text)
    if not cw.open_world and not frame.watched:
        return []
    return [frame]


LICENSE = re.compile(r"\blicen[cs](?:e|es|ed|ing)\b", re.IGNORECASE)


def license_frame(
    hire: Frame, f: Field, parties: list[Party], cw: CompiledWatchlist
) -> Frame | None:
    """ "Pays $650M to license X's models and hire its CEO": an acquisition in all but name."""
    topic = next((t for t, lex in cw.lexicons.items() if lex.kind == "deal"), None)
    m = LICENSE.search(f.text, hire.start, hire.cue[0])
    if topic is None or m is None:
        return None
    target = next((p for p in parties if m.end() <= p.start < hire.cue[0]), None)
    frame = Frame(
        kind="deal",
        topic=topic,
        verb="license and hire",
        field=hire.field,
        sentence=hire.sentence,
        start=hire.start,
        end=hire.end,
        cue=(m.start(), m.end()),
        strength=1.0,
        actor=hire.actor,
        target=target,
        form="license",
        both=True,
        status=hire.status,
        ai=hire.ai,
        watched=hire.watched,
    )
    return frame
