"""Event frames: who did what to whom, read from the sentences that hold a hiring or deal cue.

A :class:`Frame` is one reported event: an acquisition (acquirer, target), an investment (investor,
investee), a merger, or a hire (hirer, person, where from), with the cue that names it, where it
stands in the story (title, lede, body), its status (rumoured … called off) and what the sentence
says around it (a negative cue, a background recap, an AI angle).

Parties come from the watchlist's entities and from :func:`crawler.matching.parties.find_parties`
(names the watchlist does not list). Roles follow the cue's form: active ("Zendesk acquires
Cleverly.ai"), passive ("Qubit gets acquired by Coveo", "an investment from Intel Capital"), noun
("OpenAI's acquisition of io", "a stake in Scale AI") and movement ("Wang joins Meta").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal

from crawler.matching.compiler import (
    BACKGROUND,
    BOTH,
    CONTEXT,
    CUE,
    CUE_CATEGORIES,
    ENTITY,
    FOCUS,
    LEAD_CUE,
    MOVE,
    NEGATIVE,
    ROLE,
    STATUS_CUE,
    STRATEGIC,
    SUPPRESSIBLE,
    WEAK,
    CompiledWatchlist,
)
from crawler.matching.lexicons import INVEST_CUES, MERGE_CUES, MOVE_CUES
from crawler.matching.parties import (
    Party,
    ai_name,
    find_parties,
    investor_like,
    is_company,
    is_title_case,
)
from crawler.matching.scan import Field, Hit
from crawler.matching.story_cues import STATUS_ORDER

Position = Literal["title", "lede", "early", "late"]
LEDE_SENTENCES = 3
EARLY_SENTENCES = 10
EARLY_PARAGRAPHS = 6
STRATEGIC_SENTENCES = 10  # a strategic lead counts in the title and the first sentences

_PASSIVE_AFTER = (" by ", " from ")
_SENIOR = frozenset(
    (
        "ceo",
        "cto",
        "cfo",
        "coo",
        "cpo",
        "chief",
        "chief executive",
        "president",
        "head",
        "chief scientist",
    )
)
_PARTICIPLES = ("away", "poached", "recruited", "hired", "tapped", "brought in", "wooed", "lured")
# Movement verbs that are also travel verbs.
_TRAVEL = frozenset(("goes to", "heads to", "moves to", "lands in", "is headed to", "jumps to"))
_OBJECT_PREPS = re.compile(r"^\s*(?:of|in|into|for|to buy|to acquire|with)\b", re.IGNORECASE)
_ORIGIN_BEFORE = re.compile(
    r"(?:former|formerly of|ex-|ex |from|of|at|previously at|who led|who ran)\s*$", re.IGNORECASE
)
_REPORTER_BEFORE = re.compile(r"(?:according to|told|reported by|reports?|said)\s*$", re.IGNORECASE)


@dataclass(slots=True)
class Frame:
    """One hire or deal reported in one sentence."""

    kind: Literal["deal", "hiring"]
    topic: str
    verb: str  # the cue, normalised ("acquires", "stake in")
    field: Literal["title", "body"]
    sentence: int  # sentence index in its field (0 for the title)
    start: int  # the sentence's span in its field
    end: int
    cue: tuple[int, int]
    strength: float  # 1.0 a strong cue; less for weak and movement cues
    actor: Party | None = None  # acquirer, investor or hirer
    also: list[Party] = dc_field(default_factory=list)  # co-actors: "Google and Meta acquire"
    target: Party | None = None  # target, investee or the person hired
    origin: Party | None = None  # where a hire comes from
    form: str = "active"  # active | passive | noun | move | merge
    invest: bool = False
    both: bool = False  # an acqui-hire or license-and-hire
    status: str | None = None
    negative: bool = False
    background: bool = False
    ai: bool = False  # the target, the role or the sentence is about AI
    watched: bool = False  # a party is a watchlist entity
    role: bool = False  # a role word (CEO, researcher, team) sits in the sentence
    senior: bool = False  # a senior role (CEO, CTO, chief, head, president) follows a hiring cue
    strategic: bool = False  # a strategic investor leads or joins an investment
    lead: bool = False  # the sentence says who led a round
    paragraph: int = 0  # paragraph index in the body (paragraphs are separated by newlines)

    @property
    def position(self) -> Position:
        if self.field == "title":
            return "title"
        if self.sentence < LEDE_SENTENCES:
            return "lede"
        # A feature's news can sit in its fifth paragraph, many sentences down.
        early = self.sentence < EARLY_SENTENCES or self.paragraph < EARLY_PARAGRAPHS
        return "early" if early else "late"


def _party_name(p: Party, cw: CompiledWatchlist) -> Party:
    if p.entity is not None:
        return Party(
            cw.watchlist.entities[p.entity].name, p.start, p.end, p.possessive, p.person, p.entity
        )
    return p


def sentence_parties(
    f: Field, start: int, end: int, entity_hits: list[Hit], cw: CompiledWatchlist, known: list[str]
) -> list[Party]:
    """Parties of one sentence: open-world names merged with the watchlist's entity hits."""
    title_case = f.name == "title" and is_title_case(f.text)
    found = find_parties(f.text, start, end, title_case=title_case, known=known)
    out: list[Party] = []
    used: set[int] = set()
    for p in found:
        # The party is a watched entity when an alias spans it all ("Meta Platforms"), not
        # when it only holds one ("Intel Capital" is not Intel).
        entity = next(
            (h for h in entity_hits if h.start <= p.start and p.end <= h.end and id(h) not in used),
            None,
        )
        if entity is None:
            used.update(id(h) for h in entity_hits if h.start < p.end and p.start < h.end)
        if entity is not None:
            used.add(id(entity))
            person = entity.payload in cw.persons
            out.append(Party(p.name, p.start, p.end, p.possessive, person, entity.payload))
        else:
            out.append(p)
    for h in entity_hits:
        if f.text[h.end : h.end + 1] == "-" and f.text[h.end + 1 : h.end + 2].islower():
            continue  # "OpenAI-backed Wiz": a descriptor, not a party
        if id(h) not in used and start <= h.start < end:
            possessive = f.text[h.end : h.end + 2] in ("'s", "’s")
            out.append(
                Party(
                    f.text[h.start : h.end],
                    h.start,
                    h.end,
                    possessive,
                    h.payload in cw.persons,
                    h.payload,
                )
            )
    out.sort(key=lambda p: p.start)
    return out


def _subject(parties: list[Party], f: Field, cue_start: int, sent_start: int) -> Party | None:
    """The subject of the cue: the first organisation before it that is not introduced as a
    source ("According to Reuters, Meta ..."), moved on to the name an apposition leads to ("Edge
    compute maker SiMa.ai hires", "OpenAI rival Anthropic agreed"); a person when no
    organisation is there ("OpenAI CEO Sam Altman said the company acquired ...")."""
    before = [
        p
        for p in parties
        if p.end <= cue_start
        and not _REPORTER_BEFORE.search(f.text[max(sent_start, p.start - 20) : p.start])
    ]
    orgs = [p for p in before if not p.person]
    chosen = orgs or before
    if not chosen:
        return None
    i = 0
    while i + 1 < len(chosen) and _LEADS_TO.match(f.text[chosen[i].end : chosen[i + 1].start]):
        i += 1
    return chosen[i]


# Between a name and the name its apposition leads to: "Edge compute maker", "OpenAI rival".
_LEADS_TO = re.compile(
    r"^(?:['’]s)?(?:\s+[a-z][\w-]*){0,3}?\s+(?:rival|competitor|maker|creator|owner|developer|"
    r"parent|unit|startup|company|firm|subsidiary|provider|platform|giant|leader|specialist)\s+$"
)


_HEAD_NOUN = re.compile(
    r"^(?:['’]s)?\s+(?:rival|competitor|maker|creator|owner|developer|parent|unit|startup|company|"
    r"firm|subsidiary|spinout|spin-off|backer|partner|investor|chatbot|model)\s+$"
)


def _object(parties: list[Party], f: Field, offset: int, skip: Party | None) -> Party | None:
    """The first party after ``offset``; "OpenAI rival Anthropic" and "ChatGPT maker OpenAI"
    name the later one."""
    later = [p for p in parties if p.start >= offset and p is not skip]
    for i, p in enumerate(later):
        if i + 1 < len(later) and _HEAD_NOUN.match(f.text[p.end : later[i + 1].start]):
            continue
        return p
    return None


_IN_OBJECT = re.compile(r"\b(?:in|into)\s")


def _joined(parties: list[Party], subject: Party, f: Field, cue_start: int) -> list[Party]:
    """Parties joined to the subject as one ("Google and Meta acquire ...")."""
    out: list[Party] = []
    i = parties.index(subject) if subject in parties else -1
    while 0 <= i < len(parties) - 1:
        nxt = parties[i + 1]
        if nxt.end > cue_start or f.text[parties[i].end : nxt.start].strip() not in _JOINERS:
            break
        out.append(nxt)
        i += 1
    return out


_JOINERS = (",", "and", "&", ", and")


def _after(parties: list[Party], offset: int, *, skip: Party | None = None) -> list[Party]:
    return [p for p in parties if p.start >= offset and p is not skip]


_ROLE_AFTER = re.compile(
    r"^\s*(?:['’]s\s+)?(?:[\w-]+\s+)?(?:researchers?|engineers?|scientists?|execs?|executives?|"
    r"leaders?|head|chief|ceo|cto|cfo|coo|founders?|co-founders?|cofounders?|veterans?|alumni|"
    r"staff|employees|talent|director|vp|president)\b",
    re.IGNORECASE,
)


def _origin(parties: list[Party], f: Field, exclude: tuple[Party | None, ...]) -> Party | None:
    """Where a hire comes from: "former AWS exec", "from Google", "OpenAI researcher"."""
    for p in parties:
        if p in exclude or p.person:
            continue
        if (
            _ORIGIN_BEFORE.search(f.text[max(0, p.start - 14) : p.start])
            or p.possessive
            or _ROLE_AFTER.match(f.text[p.end : p.end + 40])
        ):
            return p
    return None


def assign_roles(
    frame: Frame, parties: list[Party], f: Field, taken: list[Party] | None = None
) -> None:
    """Fill the frame's actor, target and origin from the parties around its cue."""
    cue_start, cue_end = frame.cue
    word = frame.verb
    after_text = f.norm[cue_end + 1 : cue_end + 6]
    passive = after_text.startswith(_PASSIVE_AFTER) or word.endswith((" from", " by"))
    if frame.kind == "hiring" and after_text.startswith(" to ") and word.endswith(_PARTICIPLES):
        passive = True  # "researcher X lured away to Vantora Labs"
    taken_ids = {id(p) for p in taken or ()}
    subject = _subject([p for p in parties if id(p) not in taken_ids], f, cue_start, frame.start)
    frame.also = _joined(parties, subject, f, cue_start) if subject is not None else []
    later = _after(parties, cue_end)
    if frame.kind == "hiring":
        if word in MOVE_CUES or passive or frame.form == "move":
            frame.form = "move" if word in MOVE_CUES else "passive"
            before = [p for p in parties if p.end <= cue_start]
            person = next((p for p in before if p.person), None)
            frame.target = person
            hirer = next((p for p in later if not p.person), None)
            if word in _TRAVEL and hirer is not None and hirer.entity is None:
                hirer = None  # "goes to Davos": a trip, unless the place is a watched company
            frame.actor = hirer
            frame.origin = _origin([p for p in before if p is not person], f, (hirer,))
        else:
            frame.actor = subject if subject is None or not subject.person else None
            if subject is not None and subject.person:
                # "Altman's OpenAI hires ..." is rare; a person subject usually is the hire
                # of a movement the lexicon has no verb for. Keep them as the person.
                frame.target = subject
            person = next((p for p in later if p.person), None)
            if person is not None:
                frame.target = person
            frame.origin = _origin(later, f, (frame.target, frame.actor))
        return
    if word.startswith(MERGE_CUES):
        frame.form = "merge"
        frame.actor = subject
        frame.target = _object(parties, f, cue_end, subject)
        if frame.target is None and subject is not None:
            # "A and B merge": the other party stands before the cue too.
            frame.target = next(
                (p for p in parties if p.end <= cue_start and p is not subject), None
            )
        return
    possessor = next(
        (
            p
            for p in reversed(parties)
            if p.end <= cue_start and p.possessive and cue_start - p.end < 40
        ),
        None,
    )
    if passive:
        frame.form = "passive"
        before = [p for p in parties if p.end <= cue_start]
        frame.target = before[-1] if before else None
        by = f.norm.find(" by ", cue_end, frame.end + 1)
        by = by if by >= 0 else f.norm.find(" from ", cue_end, frame.end + 1)
        frame.actor = next((p for p in parties if p.start >= by), None) if by >= 0 else None
        if frame.actor is not None and frame.actor is frame.target:
            frame.actor = None
        return
    if possessor is not None and (
        frame.invest
        or (" " not in word.strip() and word.endswith(("tion", "over", "out", "chase")))
    ):
        frame.form = "noun"
        frame.actor = possessor
        subject = possessor
        if not frame.invest:
            frame.target = _object(parties, f, cue_end, possessor)
            return
    frame.actor = subject
    tail = f.text[cue_end : frame.end]
    between = [
        p
        for p in parties
        if subject is not None
        and subject.end <= p.start
        and p.end <= cue_start
        and p not in frame.also
    ]
    if _OBJECT_PREPS.match(tail):
        frame.form = "noun"
    if frame.invest:
        # An investment's object follows "in": "invests $300M in Anthropic"; "invest $2B in AI"
        # and "invest in India" have no company as object.
        m = None if word.endswith((" in", " into")) else _IN_OBJECT.search(tail[:60])
        frame.target = None
        if m is not None or word.endswith((" in", " into")):
            at = cue_end + (m.end() if m is not None else 0)
            first = _object(parties, f, at, subject)
            if first is not None and first.start - at < 25:
                frame.target = first
    else:
        frame.target = _object(parties, f, cue_end, subject)
    if frame.target is None and between and not frame.invest:
        # "Google approached Wiz about an acquisition": the object stands before a noun cue.
        frame.target = between[-1]
    if frame.target is not None and frame.actor is None:
        # "The acquisition of Y by X": the actor follows "by".
        by = f.norm.find(" by ", frame.target.end, frame.end + 1)
        if by >= 0:
            frame.actor = next((p for p in parties if p.start >= by), None)


def build_frames(
    f: Field, hits: list[Hit], shared: list[Hit], cw: CompiledWatchlist, known: list[str]
) -> list[Frame]:
    """Every frame of one field for one watchlist (``hits`` are that watchlist's hits)."""
    entity_spans = [(h.start, h.end) for h in hits if h.category == ENTITY]
    kept = [
        h
        for h in hits
        if not (
            h.nested
            and h.category in SUPPRESSIBLE
            and any(a <= h.start and h.end <= b for a, b in entity_spans)
        )
    ]
    cue_hits = [h for h in kept if h.category in CUE_CATEGORIES]
    rounds = _round_leads(f, shared)
    if not cue_hits and not rounds:
        return []
    # Sentences are keyed by where they start: indexes are exact only for the first sentences.
    by_sentence: dict[int, list[Hit]] = {}
    spans: dict[int, tuple[int, int, int]] = {}
    for h in cue_hits:
        index, s, e = f.sentence_span(h.start) if f.name == "body" else (0, 0, len(f.text))
        by_sentence.setdefault(s, []).append(h)
        spans[s] = (index, s, e)
    round_at = {s: (index, (s, e, lead)) for index, (s, e, lead) in rounds.items()}
    for s, (index, (_, e, _lead)) in round_at.items():
        by_sentence.setdefault(s, [])
        spans[s] = (index, s, e)
    frames: list[Frame] = []
    for start, cues in sorted(by_sentence.items()):
        index, s, e = spans[start]
        inside = [h for h in kept if s <= h.start < e]
        shared_in = [h for h in shared if s <= h.start < e]
        found = _sentence_frames(f, index, s, e, cues, inside, shared_in, cw, known)
        if start in round_at:
            # The round says who invested in whom better than an "investment" cue near it.
            found = [fr for fr in found if not fr.invest]
            found += _round_frame(f, index, round_at[start][1], inside, shared_in, cw, known)
        frames.extend(found)
    return frames


def _round_leads(f: Field, shared: list[Hit]) -> dict[int, tuple[int, int, Hit]]:
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


def _round_frame(
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
    parties = [_party_name(p, cw) for p in sentence_parties(f, s, e, entity_hits, cw, known)]
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
    frame.ai = _frame_ai(frame, focus_hits, cw, bool(focus_hits), f.text)
    if not cw.open_world and not frame.watched:
        return []
    return [frame]


def _sentence_frames(
    f: Field,
    index: int,
    s: int,
    e: int,
    cues: list[Hit],
    inside: list[Hit],
    shared_in: list[Hit],
    cw: CompiledWatchlist,
    known: list[str],
) -> list[Frame]:
    entity_hits = [h for h in inside if h.category == ENTITY]
    parties: list[Party] | None = None
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
            parties = [
                _party_name(p, cw) for p in sentence_parties(f, s, e, entity_hits, cw, known)
            ]
        assign_roles(frame, parties, f, taken)
        if frame.target is not None:
            taken.append(frame.target)
        frame.negative = any(n.payload == topic for n in cats.get(NEGATIVE, ()))
        frame.background = any(
            # Perfect tense is today's news in a lede ("Zendesk has acquired ..."), a recap later.
            index >= LEDE_SENTENCES
            or not f.norm[b.start + 1 : b.end + 1].startswith(("has ", "had "))
            for b in cats.get(BACKGROUND, ())
        )
        frame.role = any(r.payload == topic for r in cats.get(ROLE, ())) or any(
            c.payload == topic for c in cats.get(CONTEXT, ())
        )
        frame.senior = frame.kind == "hiring" and any(
            r.start > h.start and f.norm[r.start + 1 : r.end + 1] in _SENIOR
            for r in cats.get(ROLE, ())
        )
        frame.watched = any(
            p is not None and p.entity is not None
            for p in (frame.actor, frame.target, frame.origin)
        )
        frame.ai = _frame_ai(frame, focus_hits, cw, sentence_ai, f.text)
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
        if frame.kind == "hiring" and _LICENSE.search(f.text[s : h.start]):
            frame.both = True
            licensed = _license_frame(frame, f, parties, cw)
            if licensed is not None:
                frames.append(licensed)
    return frames


_LICENSE = re.compile(r"\blicen[cs](?:e|es|ed|ing)\b", re.IGNORECASE)


def _license_frame(
    hire: Frame, f: Field, parties: list[Party], cw: CompiledWatchlist
) -> Frame | None:
    """ "Pays $650M to license X's models and hire its CEO": an acquisition in all but name."""
    topic = next((t for t, lex in cw.lexicons.items() if lex.kind == "deal"), None)
    m = _LICENSE.search(f.text, hire.start, hire.cue[0])
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


def _frame_ai(
    frame: Frame, focus_hits: list[Hit], cw: CompiledWatchlist, sentence_ai: bool, text: str
) -> bool:
    """Whether the event is about AI: the target's name or descriptor, or the sentence."""
    for p in (frame.target, frame.origin, frame.actor if frame.kind == "hiring" else None):
        if p is None:
            continue
        if (p.entity is not None and p.entity in cw.core) or ai_name(p.name):
            return True
    for p in (frame.target, frame.actor if frame.kind == "hiring" else None):
        if p is not None:
            lo, hi = descriptor_window(text, p.start, p.end, frame.end)
            if p.start >= frame.cue[1]:
                lo = max(lo, frame.cue[1])  # "AI lab X acquires security firm Y": not Y's AI
            if any(lo <= h.start < hi for h in focus_hits):
                return True
    if frame.target is not None:
        return frame.kind == "hiring" and sentence_ai
    return sentence_ai


_APPOSITION = re.compile(r"^(?:['’]s)?\s*(?:,\s*(?:a|an|the|which|that|whose|who)\s|\(|[—–-]\s)")
_NAME_WORD = re.compile(r"\b[A-Z][\w.]*")
_PLAIN_CAPS = frozenset(("AI", "A.I", "ML", "NLP", "LLM", "GenAI", "The", "A", "An"))
_BEFORE_BREAK = re.compile(
    r"[.;:!?),]\s|\s(?:and|but|while|after|to|has|have|had|is|was|will|said|says|acquired|"
    r"acquires|bought|buys|agreed|invested|invests|hired|hires)\s"
)


def descriptor_window(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """Where a name's descriptor stands: the words just before it ("AI startup X", back to a
    clause break) and its apposition after it ("X, an AI startup that ...", up to the next comma
    or full stop); "X to build a platform with AI" says nothing of X."""
    before = text[max(0, start - 40) : start]
    breaks = [m.end() for m in _BEFORE_BREAK.finditer(before)]
    # Another name ends the descriptor too: in "Ennor AI acquired Gatehold", "AI" is Ennor's.
    breaks += [m.end() for m in _NAME_WORD.finditer(before) if m.group() not in _PLAIN_CAPS]
    lo = start - len(before) + (max(breaks) if breaks else 0)
    after = text[end : min(limit, end + 160)]
    m = _APPOSITION.match(after)
    if m is None:
        return lo, end
    # An apposition may hold a comma of its own ("Neeva, the Mountain View, CA-based search
    # startup, once seen as an AI-driven challenger"): it ends at the second comma or a stop.
    rest = after[m.end() :]
    stops = [x.start() for x in re.finditer(r",\s|[.;]\s|\)", rest)]
    commas = [x for x in stops if rest[x] == ","]
    ends = [x for x in stops if rest[x] != ","]
    candidates = [*ends[:1], *commas[1:2]]
    stop = min(candidates) if candidates else len(rest)
    return lo, end + m.end() + stop


def mentions_ai(f: Field, name: str, focus_starts: list[int], limit: int = 6) -> bool:
    """Whether some mention of ``name`` in ``f`` has an AI term close by (its descriptor)."""
    pos = 0
    for _ in range(limit):
        at = f.text.find(name, pos)
        if at < 0:
            return False
        lo, hi = descriptor_window(f.text, at, at + len(name), len(f.text))
        if any(lo <= x < hi for x in focus_starts):
            return True
        pos = at + len(name)
    return False


__all__ = ["Frame", "build_frames", "mentions_ai", "sentence_parties"]
