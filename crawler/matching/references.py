"""Who "it", "the bank" and "she" are: a frame's party named only by a reference back.

News names a story's subject once, in its first sentence ("Thessaly Bank, the Athens-based lender,
is trying to ..."), and then says "the bank said on Tuesday that it had taken a 19.9% stake in
Cantilo AI" or "she was hired from Amazon". A deal or hire whose clause before the cue names its
buyer or hirer only as "it" or "the <company noun>" takes the story's subject; a hire whose
clause says "she" or "he" takes the story's first person as the person hired. A single word
that is the surname of a person the story has named ("Aldana joined Fenwick & Rowe") is that
person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.matching.event_frame import Frame
from crawler.matching.parties import Party, find_parties
from crawler.matching.scan import Field

# The nouns a story uses for its own subject company ("the bank", "the chipmaker", "the co-op").
_COMPANY_NOUNS = (
    "company|firm|group|bank|lender|insurer|retailer|chain|carmaker|automaker|chipmaker|maker|"
    "giant|co-op|cooperative|co-operative|utility|conglomerate|operator|broker|brand|drugmaker|"
    "manufacturer|provider|business|owner|parent|hotel group|airline|publisher|network|club"
)
# "it" or "the bank" (or "the co-op's board") as the subject of the clause before a deal cue.
_IT = re.compile(
    rf"(?:^|[\s,“\"(])(?:it|[Tt]he (?:{_COMPANY_NOUNS})(?:['’]s [a-z]+)?) "
    r"(?!(?:is|was) (?:a|an|the)\b)"
)
_SHE = re.compile(r"(?:^|[\s,“\"(])(?:[Ss]he|[Hh]e) ")
# Where a story names its subject and its people: the first sentences.
_LEAD_CHARS = 600


@dataclass(slots=True)
class StoryParties:
    """The subject company and the people of one field, read once and only when asked for."""

    f: Field
    _subject: list[Party | None] = field(default_factory=list)
    _people: list[Party] | None = None
    _head: str | None = None

    def subject(self) -> Party | None:
        """The first organisation of the body's first sentence."""
        if not self._subject:
            _, _, end = self.f.sentence_span(0)
            orgs = [p for p in find_parties(self.f.text, 0, end) if not p.person]
            self._subject.append(orgs[0] if orgs else None)
        return self._subject[0]

    def people(self) -> list[Party]:
        """The people the story names in full, in order."""
        if self._people is None:
            self._people = [p for p in find_parties(self.head()) if p.person]
        return self._people

    def head(self) -> str:
        if self._head is None:
            self._head = self.f.text[:_LEAD_CHARS]
        return self._head

    def person_named(self, party: Party) -> Party | None:
        """The person whose surname ``party`` is ("Aldana" for "Marguerite Aldana")."""
        name = party.name
        if party.entity is not None or " " in name or f" {name}" not in self.head():
            return None  # (checked first: reading the people costs more than a look)
        return next((p for p in self.people() if p.name.split()[-1] == name), None)


def resolve(frame: Frame, parties: list[Party], f: Field, story: StoryParties | None) -> None:
    """Fill a frame's missing buyer or person from the story when its clause refers back."""
    if story is None or (frame.actor is not None and frame.target is not None):
        return
    clause = f.text[frame.start : frame.cue[0]]
    if frame.kind == "deal":
        if frame.actor is not None or frame.target is None or not _IT.search(clause):
            return
        subject = story.subject()
        if subject is not None and subject.name != frame.target.name:
            frame.actor = Party(subject.name, subject.start, subject.end)
        return
    if frame.actor is not None:
        # "Kovalenko is hiring": a surname is the person, not the hirer.
        person = story.person_named(frame.actor)
        if person is not None:
            frame.actor = None
            if frame.target is None:
                frame.target = Party(person.name, person.start, person.end, person=True)
    if frame.actor is None and frame.form == "active" and _IT.search(clause):
        # "Now, the company is ... announcing the hire of Elizabeth Samara-Rubio".
        subject = story.subject()
        if subject is not None and (frame.target is None or subject.name != frame.target.name):
            frame.actor = Party(subject.name, subject.start, subject.end)
    if frame.target is None:
        named = (story.person_named(p) for p in parties if p.end <= frame.cue[0])
        known = next((p for p in named if p is not None), None)
        if known is not None:
            frame.target = Party(known.name, known.start, known.end, person=True)
        elif _SHE.search(clause) and story.people():
            first = story.people()[0]
            frame.target = Party(first.name, first.start, first.end, person=True)
