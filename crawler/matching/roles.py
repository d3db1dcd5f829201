"""Who is who in a frame: the acquirer and target, investor and investee, hirer, person and origin.

Roles follow the cue's form: active ("Zendesk acquires Cleverly.ai"), passive ("Qubit gets acquired
by Coveo", "an investment from Intel Capital", "lured away to Vantora"), noun ("OpenAI's
acquisition of io", "a stake in Scale AI") and movement ("Wang joins Meta"). The subject is the
first organisation before the cue that no source attribution introduces, moved on through an
apposition ("Edge compute maker SiMa.ai"); the object is the first party after it, or the head of
"OpenAI rival Anthropic".
"""

from __future__ import annotations

import re

from crawler.matching.compiler import CompiledWatchlist
from crawler.matching.event_frame import Frame
from crawler.matching.lexicons import HIRE_PARTICIPLES, MERGE_CUES, MOVE_CUES, TRAVEL_MOVES
from crawler.matching.parties import Party
from crawler.matching.scan import Field, Hit

_PASSIVE_AFTER = (" by ", " from ")


_OBJECT_PREPS = re.compile(r"^\s*(?:of|in|into|for|to buy|to acquire|with)\b", re.IGNORECASE)


_ORIGIN_BEFORE = re.compile(
    r"(?:former|formerly of|ex-|ex |from|of|at|previously at|who led|who ran)\s*$", re.IGNORECASE
)


_BEHIND = re.compile(r"\bbehind (?:[\w.&'’ -]+ (?:and|&) )?$")


def _behind(before: str) -> bool:
    """Whether a name follows "behind" ("the company behind ChatGPT and Dall-E")."""
    return "behind " in before and _BEHIND.search(before) is not None


_REPORTER_BEFORE = re.compile(r"(?:according to|told|reported by|reports?|said)\s*$", re.IGNORECASE)


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
        # "The company behind ChatGPT acquired ...": the product names its maker, it is not it.
        and not _behind(f.text[max(sent_start, p.start - 40) : p.start])
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
        if f.text[max(0, p.start - 7) : p.start].lower().endswith(_FORMER_BEFORE):
            continue  # "a startup founded by ex-Instagram staff": where people came from
        return p
    return None


_FORMER_BEFORE = (" ex-", " ex ", "former ")


_IN_OBJECT = re.compile(r"\b(?:in|into)\s")
# What may stand between "in" and the company invested in: nothing, an article, or a descriptor
# that ends in a company noun ("in the Paris-based AI startup X", "in OpenAI rival Anthropic" is
# handled by the object's head noun). "in AI in a partnership with Microsoft" has no company.
_STAKE_OBJECT = re.compile(
    r"^\s*(?:(?:the|a|an|its|their)\s+)?(?:(?:[\w.-]+\s+){0,4}(?:startup|start-up|company|firm|"
    r"maker|lab|developer|provider|platform|unit|chipmaker|specialist|outfit|rival|business)s?"
    r"(?:\s+(?:behind|called|named))?[:,]?\s+)?$",
    re.IGNORECASE,
)


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
    if frame.kind == "hiring" and after_text.startswith(" to ") and word.endswith(HIRE_PARTICIPLES):
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
            if word in TRAVEL_MOVES and hirer is not None and hirer.entity is None:
                hirer = None  # "goes to Davos": a trip, unless the place is a watched company
            frame.actor = hirer
            frame.origin = _origin([p for p in before if p is not person], f, (hirer,))
        else:
            frame.actor = subject if subject is None or not subject.person else None
            if subject is not None and subject.person and frame.strength >= 1.0:
                # A person before a strong hiring cue is usually the hire of a movement the
                # lexicon has no verb for ("Ng hired to run ..."); before a weak one ("Microsoft
                # Teams taps AI") it is no hire at all.
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
            if first is not None and _STAKE_OBJECT.match(f.text[at : first.start]):
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


def party_name(p: Party, cw: CompiledWatchlist) -> Party:
    if p.entity is not None:
        return Party(
            cw.watchlist.entities[p.entity].name, p.start, p.end, p.possessive, p.person, p.entity
        )
    return p


def sentence_parties(
    f: Field, start: int, end: int, entity_hits: list[Hit], cw: CompiledWatchlist, known: list[str]
) -> list[Party]:
    """Parties of one sentence: open-world names merged with the watchlist's entity hits."""
    found = f.parties(start, end, known)  # found once per article, for every watchlist
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
