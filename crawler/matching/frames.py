"""Build the event frames of one sentence for one watchlist: every hire and deal it reports.

Only sentences that hold a hiring or deal cue (or a strategic investor leading a round) are read.
Each cue becomes a :class:`~crawler.matching.event_frame.Frame` whose parties come from the
watchlist's entities and from :func:`crawler.matching.parties.find_parties` (names the watchlist
does not list), whose roles :func:`crawler.matching.roles.assign_roles` decides, and whose AI angle
:func:`crawler.matching.descriptors.frame_ai` judges. Weak cues ("invests", "taps") need support:
parties on both sides, a role word, or a context word. :mod:`crawler.matching.sentences` finds the
sentences to read and shares what a sentence says among the watchlists that see it alike.
"""

from __future__ import annotations

from crawler.matching.compiler import (
    BACKGROUND,
    BOTH,
    CONTEXT,
    CUE,
    ENTITY,
    FOCUS,
    LEAD_CUE,
    MOVE,
    NEGATIVE,
    ROLE,
    STATUS_CUE,
    STRATEGIC,
    WEAK,
    CompiledWatchlist,
)
from crawler.matching.descriptors import apposition_end, descriptor_window, frame_ai
from crawler.matching.event_frame import LEDE_SENTENCES, Frame
from crawler.matching.lexicons import INVEST_CUES, SENIOR_ROLES
from crawler.matching.parties import Party, is_company
from crawler.matching.references import StoryParties, resolve
from crawler.matching.roles import assign_roles, party_name, sentence_parties
from crawler.matching.rounds import LICENSE, license_frame
from crawler.matching.scan import Field, Hit
from crawler.matching.story_cues import STATUS_ORDER


def sentence_frames(
    f: Field,
    index: int,
    s: int,
    e: int,
    cues: list[Hit],
    inside: list[Hit],
    shared_in: list[Hit],
    cw: CompiledWatchlist,
    known: list[str],
    story: StoryParties | None = None,
) -> list[Frame]:
    entity_hits = [h for h in inside if h.category == ENTITY]
    parties: list[Party] | None = None
    names: list[tuple[int, int]] = []
    cats: dict[int, list[Hit]] = {}
    for h in inside:
        cats.setdefault(h.category, []).append(h)
    status = None
    found_status = {h.payload for h in shared_in if h.category == STATUS_CUE}
    for name in STATUS_ORDER:
        if name in found_status:
            status = name
            break
    strategic = any(h.category == STRATEGIC for h in shared_in)
    lead = any(h.category == LEAD_CUE for h in shared_in)
    focus_hits = cats.get(FOCUS, [])
    sentence_ai = (
        bool(focus_hits)
        or cw.watchlist.focus is None
        or any(h.payload in cw.core for h in entity_hits)
    )
    # Overlapping cues ("investment" and "investment from"): the longest one speaks.
    # Overlapping cues of one topic ("investment" and "investment from"): the longest speaks. A
    # both-cue ("acqui-hire") marks every frame at its span as both a hire and a deal.
    both_spans = {(h.start, h.end) for h in cues if h.category == BOTH}
    cues = [
        h
        for h in cues
        if h.category != BOTH
        or not any(
            o is not h and o.start == h.start and o.end == h.end and o.payload == h.payload
            for o in cues
        )
    ]
    by_topic: dict[str, list[Hit]] = {}
    for h in sorted(cues, key=lambda h: (h.start, -h.end)):
        kept_topic = by_topic.setdefault(h.payload, [])
        if not kept_topic or h.start >= kept_topic[-1].end:
            kept_topic.append(h)
    cues = sorted((h for hs in by_topic.values() for h in hs), key=lambda h: h.start)
    frames: list[Frame] = []
    paragraph = f.text.count("\n", 0, s) if f.name == "body" else 0
    seen_topics: set[tuple[str, str]] = set()
    taken: list[Party] = []  # objects of earlier cues: "Meta invests in Scale AI, hires Wang"
    for h in cues:
        topic = h.payload
        lex = cw.lexicons[topic]
        word = f.norm[h.start + 1 : h.end + 1]
        key = (topic, word)
        if key in seen_topics:
            continue
        seen_topics.add(key)
        strength = 1.0 if h.category in (CUE, BOTH) else 0.7 if h.category == MOVE else 0.6
        frame = Frame(
            kind=lex.kind if lex.kind != "both" else "deal",
            topic=topic,
            verb=word,
            field=f.name,
            sentence=index,
            start=s,
            end=e,
            cue=(h.start, h.end),
            strength=strength,
            invest=word.startswith(INVEST_CUES),
            both=(h.start, h.end) in both_spans,
            status=status,
            strategic=strategic,
            lead=lead,
            paragraph=paragraph,
        )
        if h.category == MOVE:
            frame.form = "move"
        if parties is None:
            parties = [party_name(p, cw) for p in sentence_parties(f, s, e, entity_hits, cw, known)]
            # Words inside a name are no cues or roles: the "Teams" of "Microsoft Teams".
            names = [(p.start, p.end) for p in parties if " " in p.name]
            for cat in (ROLE, CONTEXT):
                cats[cat] = [
                    x for x in cats.get(cat, ()) if not any(a <= x.start < b for a, b in names)
                ]
        if any(a <= h.start < b for a, b in names):
            continue
        assign_roles(frame, parties, f, taken)
        resolve(frame, parties, f, story)
        if frame.target is not None:
            taken.append(frame.target)
        # (Read only when a negative or background cue is there to be excused.)
        asides = _appositions(frame, f) if NEGATIVE in cats or BACKGROUND in cats else []
        frame.negative = any(
            n.payload == topic and not _aside(n.start, asides) for n in cats.get(NEGATIVE, ())
        )
        frame.background = any(
            # Perfect tense is today's news in a lede ("Zendesk has acquired ..."), a recap later.
            (
                index >= LEDE_SENTENCES
                or not f.norm[b.start + 1 : b.end + 1].startswith(("has ", "had "))
            )
            and not _aside(b.start, asides)
            and (b.payload is None or (f.year is not None and b.payload < f.year))
            for b in cats.get(BACKGROUND, ())
        )
        frame.role = any(r.payload == topic for r in cats.get(ROLE, ())) or any(
            c.payload == topic for c in cats.get(CONTEXT, ())
        )
        frame.senior = frame.kind == "hiring" and any(
            r.start > h.start and f.norm[r.start + 1 : r.end + 1] in SENIOR_ROLES
            for r in cats.get(ROLE, ())
        )
        frame.watched = any(
            p is not None and p.entity is not None
            for p in (frame.actor, frame.target, frame.origin)
        )
        frame.ai = frame_ai(frame, focus_hits, cw, sentence_ai, f.text)
        if h.category != CUE and h.category != BOTH and not _weak_ok(frame, cats, topic):
            continue
        if h.category == WEAK and frame.actor is not None and frame.target is not None:
            frame.strength = 0.8  # "Meta invested $11.5B in Tallyframe": the parties settle it
        if frame.kind == "deal" and not all(
            is_company(p.name) for p in (frame.actor, frame.target) if p is not None
        ):
            continue  # a merger of foundations, an investment in a country
        if frame.form == "merge" and frame.target is not None and frame.target.person:
            continue  # companies merge; "merge with machines, said Beatrix Lenhart" is talk
        if frame.form == "merge" and frame.target is None:
            continue  # "humans could merge with machines"
        if not cw.open_world and not frame.watched:
            continue
        frames.append(frame)
        if frame.kind == "hiring" and LICENSE.search(f.text[s : h.start]):
            frame.both = True
            licensed = license_frame(frame, f, parties, cw)
            if licensed is not None:
                frames.append(licensed)
    return _one_event_per_sentence(frames)


def _appositions(frame: Frame, f: Field) -> list[tuple[int, int]]:
    """The spans that describe a deal's parties ("Rosterine, an AI startup that forecasts staff
    for stores and warehouses", "Bellcourt Hotels, which owns 140 hotels,") and do not hold its
    cue: what they say is about the company, not about the purchase or its date."""
    if frame.kind != "deal":
        return []
    out = []
    for p in (frame.actor, frame.target):
        if p is None:
            continue
        _, hi = descriptor_window(f.text, p.start, p.end, frame.end)
        if p.end <= frame.cue[0] < hi:
            # "Bellcourt Hotels, which owns 140 hotels, has acquired": up to the first comma.
            hi = apposition_end(f.text, p.end, frame.end)
        if hi > p.end and not p.end <= frame.cue[0] < hi:
            out.append((p.end, hi))
    return out


def _aside(at: int, asides: list[tuple[int, int]]) -> bool:
    return any(a <= at < b for a, b in asides)


def _one_event_per_sentence(frames: list[Frame]) -> list[Frame]:
    """Cues of one kind in one sentence tell one event: "Meta invested $11.5B in Tallyframe in
    exchange for a 49% stake" is one stake, named by its strongest cue, held by the frame that
    found its parties; cues that found no parties of their own add nothing more."""
    out: list[Frame] = []
    for kind in ("deal", "hiring"):
        mine = [fr for fr in frames if fr.kind == kind]
        full = [fr for fr in mine if fr.actor is not None and fr.target is not None]
        if not full:
            out.extend(mine)
            continue
        strongest = max(fr.strength for fr in mine)
        for fr in full:
            fr.strength = max(fr.strength, strongest)
        out.extend(fr for fr in mine if fr in full or fr.target is not None)
    return sorted(out, key=lambda fr: fr.cue[0])


def _weak_ok(frame: Frame, cats: dict[int, list[Hit]], topic: str) -> bool:
    """A weak or movement cue needs support: parties on both sides, a role or a context word."""
    context = any(c.payload == topic for c in cats.get(CONTEXT, ()))
    if frame.kind == "deal":
        return (frame.actor is not None and frame.target is not None) or context or frame.lead
    if frame.form == "move":
        return frame.actor is not None and (
            frame.target is not None or frame.role or frame.origin is not None
        )
    after_role = any(r.payload == topic and r.start > frame.cue[0] for r in cats.get(ROLE, ()))
    person = frame.target is not None and frame.target.person
    return context or after_role or (person and frame.actor is not None)
