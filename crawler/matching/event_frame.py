"""The event frame: one hire or deal that one sentence reports, and where it stands in the story.

A :class:`Frame` holds who did what to whom — an acquisition (acquirer, target), an investment
(investor, investee), a merger, or a hire (hirer, person, where from) — with the cue that names it,
its position (title, lede, early or late in the body), the deal's status and what its sentence says
around it (a negative cue, a background recap, an AI angle). :mod:`crawler.matching.frames` builds
frames; :mod:`crawler.matching.roles` fills their parties.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from dataclasses import field as dc_field
from operator import attrgetter
from typing import Literal

from crawler.matching.parties import Party

Position = Literal["title", "lede", "early", "late"]


LEDE_SENTENCES = 3


EARLY_SENTENCES = 10


EARLY_PARAGRAPHS = 6


STRATEGIC_SENTENCES = 10  # a strategic lead counts in the title and the first sentences


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

    def copy(self) -> Frame:
        """A shallow copy, for a story to settle (parties are frozen, ``also`` is not changed
        once a sentence is read). Several times faster than :func:`copy.copy`."""
        return Frame(*_values(self))


_values = attrgetter(*(f.name for f in fields(Frame)))
