"""Whether an event is about AI: the target's own name or descriptor, the role, the sentence.

A name's descriptor stands just before it ("AI startup X", back to a clause break or another name)
or in its apposition after it ("X, an AI-powered ...", up to the next comma but one or full stop);
"X to build a platform with AI" says nothing of X. :func:`mentions_ai` looks at other mentions of a
name in the story, so "Neeva, the AI search startup" in the lede makes a headline's Neeva AI too.
"""

from __future__ import annotations

import re

from crawler.matching.compiler import CompiledWatchlist
from crawler.matching.event_frame import Frame
from crawler.matching.parties import ai_name
from crawler.matching.scan import Field, Hit


def frame_ai(
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


# A part of a company named after it: "Lyft's self-driving division", "Uber ATG unit".
_UNIT_AFTER = re.compile(
    r"^(?:['’]s)?(?:\s+[a-z][\w-]*){0,3}\s+(?:division|unit|business|arm|team|lab|group)\b"
)


_CAPITALISED_BEFORE = re.compile(r"(?:^|\s)[A-Z][\w.]*$")


def _place_comma(text: str, at: int) -> bool:
    """Whether the comma at ``at`` joins the parts of a place name ("Lincoln, Nebraska")."""
    return (
        bool(_CAPITALISED_BEFORE.search(text[max(0, at - 20) : at]))
        and text[at + 1 : at + 3].strip()[:1].isupper()
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
    unit = _UNIT_AFTER.match(after)
    if unit is not None:
        return lo, end + unit.end()  # "Lyft self-driving division": the unit is the target
    m = _APPOSITION.match(after)
    if m is None:
        return lo, end
    # An apposition may hold a comma of its own ("Neeva, the Mountain View, CA-based search
    # startup, once seen as an AI-driven challenger"): it ends at the second comma or a stop.
    rest = after[m.end() :]
    # A comma inside a place ("a Lincoln, Nebraska, company", "the Mountain View, CA-based
    # startup") stands between two capitalised words and ends nothing.
    stops = [
        x.start()
        for x in re.finditer(r",\s|[.;]\s|\)", rest)
        if not (rest[x.start()] == "," and _place_comma(rest, x.start()))
    ]
    commas = [x for x in stops if rest[x] == ","]
    ends = [x for x in stops if rest[x] != ","]
    candidates = [*ends[:1], *commas[1:2]]
    stop = min(candidates) if candidates else len(rest)
    return lo, end + m.end() + stop


def apposition_end(text: str, end: int, limit: int) -> int:
    """Where the apposition after a name ending at ``end`` stops ("Bellcourt Hotels, which owns
    140 hotels," stops at its comma): ``end`` when there is none."""
    after = text[end : min(limit, end + 160)]
    m = _APPOSITION.match(after)
    if m is None:
        return end
    rest = after[m.end() :]
    for x in re.finditer(r",\s|[.;]\s|\)", rest):
        if not (rest[x.start()] == "," and _place_comma(rest, x.start())):
            return end + m.end() + x.start()
    return end + len(after)


def mentions_ai(f: Field, name: str, focus_starts: list[int], limit: int = 6) -> bool:
    """Whether some mention of ``name`` in ``f`` has an AI term close by (its descriptor)."""
    pos = 0
    for _ in range(limit):
        at = f.text.find(name, pos)
        if at < 0:
            return False
        lo, hi = descriptor_window(f.text, at, at + len(name), len(f.text))
        if f.name == "body" and _opens_sentence(f.text, at):
            # A sentence whose subject is the company describes it ("Skinsight trains neural
            # networks on ...", "Drivelume's neural networks turn camera feeds into ...").
            # (Not a quote: "“Arcion will help our customers' data and AI journeys”".)
            hi = max(hi, min(f.sentence_span(at)[2], at + _SUBJECT_REACH))
        if any(lo <= x < hi for x in focus_starts):
            return True
        pos = at + len(name)
    return False


_SUBJECT_REACH = 120


def _opens_sentence(text: str, at: int) -> bool:
    """Whether the name at ``at`` opens its sentence or paragraph."""
    before = text[max(0, at - 3) : at].rstrip(" ")
    return not before or before.endswith(("\n", ".", "!", "?"))
