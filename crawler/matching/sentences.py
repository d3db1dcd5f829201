"""The cue sentences of a field, and their frames read once per article for each view of them.

A sentence's frames (:func:`crawler.matching.frames.sentence_frames`) depend on the watchlist only
through its reading (cues, focus terms, topics, ``parties``; see
:func:`~crawler.matching.compiler.reading_key`) and the watchlist's entities that the sentence
names, with their names and kinds: together, the sentence's *view*. :func:`read_sentences` reads
each view once per article and hands every watchlist with that view the same frames, so a sentence
that names none of a watchlist's entities is read once for all the watchlists of its reading, and
one that names some is read again only for a watchlist that names other ones there. The frames
are shared: a caller that changes them (a story settles them) works on copies
(:func:`copy_frames`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable
from functools import partial

from crawler.matching.compiler import (
    CUE_CATEGORIES,
    ENTITY,
    RULE,
    SUPPRESSIBLE,
    CompiledWatchlist,
    vocabulary_index,
)
from crawler.matching.event_frame import Frame
from crawler.matching.frames import sentence_frames
from crawler.matching.references import StoryParties
from crawler.matching.rounds import round_frame, round_leads
from crawler.matching.scan import Field, Hit

# A sentence that holds a cue: (index, start, end, its cues, the lead cue of a strategic round).
CueSentence = tuple[int, int, int, list[Hit], Hit | None]


# One sentence as one watchlist reads it: what decides its frames (the view), and those frames.
SentenceReading = tuple[Hashable, list[Frame]]
# A watchlist's entity hit as a reading sees it: start, end, entity index, name, person, core.
EntityView = tuple[int, int, int, str, bool, bool]


def read_sentences(f: Field, cw: CompiledWatchlist, known: list[str]) -> list[SentenceReading]:
    """The sentences of one field that hold a cue as one watchlist reads them, in text order:
    the watchlist's view of each and its (shared) frames. ``known``: the names a Title Case
    headline takes (:meth:`~crawler.matching.scan.Field.parties`)."""
    vi = vocabulary_index(cw.reading)
    entities = cw.watchlist.entities
    # The watchlist's entities in the field, as far as a reading can tell them apart: the
    # sentences are looked at again only for a watchlist whose entities there are new.
    view = tuple(
        (
            h.start,
            h.end,
            h.payload,
            entities[h.payload].name,
            h.payload in cw.persons,
            h.payload in cw.core,
        )
        for h in f.hits.get(cw.index, ())
        if h.category == ENTITY
    )
    known_names = tuple(known)
    return f.once(
        ("sentences", vi, known_names, view),
        lambda: _read_sentences(f, cw, vi, known_names, view),
    )


def _read_sentences(
    f: Field, cw: CompiledWatchlist, vi: int, known: tuple[str, ...], own: tuple[EntityView, ...]
) -> list[SentenceReading]:
    sentences = f.once(("cue_sentences", vi), lambda: _cue_sentences(f, vi))
    reader = _SentenceReader(f, cw, known)
    out: list[SentenceReading] = []
    for index, s, e, cues, lead in sentences:
        # The watchlist's entities in (or across) the sentence: a cue inside one of their names
        # is no cue ("AI" in "Scale AI"), and the parties they name are watched.
        mine = tuple(v for v in own if v[0] < e and s < v[1])
        if mine:
            spans = [(v[0], v[1]) for v in mine]
            cues = [h for h in cues if not _in_name(h, spans)]
        if not cues and lead is None:
            continue
        key = ("frames", vi, s, known, mine)
        out.append((key, f.once(key, partial(reader.read, index, s, e, cues, lead))))
    return out


def copy_frames(readings: list[SentenceReading]) -> list[Frame]:
    """The frames of ``readings``, copied: a watchlist's own, to settle for its story."""
    return [fr.copy() for _, frames in readings for fr in frames]


def _in_name(h: Hit, names: list[tuple[int, int]]) -> bool:
    """Whether ``h`` is a word inside a watched name (``names``: their spans) that means nothing
    there: the "Teams" of "Microsoft Teams"."""
    return (
        h.nested
        and h.category in SUPPRESSIBLE
        and any(a <= h.start and h.end <= b for a, b in names)
    )


def _cue_sentences(f: Field, vi: int) -> list[CueSentence]:
    """The sentences of ``f`` with a cue of the vocabulary ``vi`` or a round that a strategic
    investor leads, in text order (the same for every watchlist of that vocabulary)."""
    # The rounds strategic investors lead depend on the shared vocabulary only: once per field.
    rounds = f.once("round_leads", lambda: round_leads(f, f.shared))
    by_sentence: dict[int, list[Hit]] = {}
    spans: dict[int, tuple[int, int, int]] = {}
    for h in f.hits.get(vi, ()):
        if h.category not in CUE_CATEGORIES:
            continue
        # Sentences are keyed by where they start: indexes are exact only for the first ones.
        index, s, e = f.sentence_span(h.start) if f.name == "body" else (0, 0, len(f.text))
        by_sentence.setdefault(s, []).append(h)
        spans[s] = (index, s, e)
    leads: dict[int, Hit] = {}
    for index, (s, e, lead) in rounds.items():
        by_sentence.setdefault(s, [])
        spans[s] = (index, s, e)
        leads[s] = lead
    return [(*spans[s], by_sentence[s], leads.get(s)) for s in sorted(by_sentence)]


class _SentenceReader:
    """Reads the sentences of one field for one watchlist, for the views no watchlist has read.

    The watchlist's hits (sorted, without those inside its names) are prepared on the first
    sentence it reads: a watchlist whose every view was read before never needs them.
    """

    __slots__ = ("_sorted", "cw", "f", "known")

    def __init__(self, f: Field, cw: CompiledWatchlist, known: tuple[str, ...]) -> None:
        self.f = f
        self.cw = cw
        self.known = known
        self._sorted: tuple[list[Hit], list[int], list[Hit], list[int]] | None = None

    def _prepare(self) -> tuple[list[Hit], list[int], list[Hit], list[int]]:
        if self._sorted is None:
            mine = self.f.of(self.cw.index)
            names = [(h.start, h.end) for h in mine if h.category == ENTITY]
            # Rule terms are left out: the rule is applied after the reading, not in it.
            kept = [h for h in mine if h.category != RULE and not _in_name(h, names)]
            # Sorted by start once, so each sentence takes its hits by bisection, not by a scan.
            kept.sort(key=_start)
            shared = sorted(self.f.shared, key=_start)
            starts = [h.start for h in kept]
            self._sorted = (kept, starts, shared, [h.start for h in shared])
        return self._sorted

    def read(self, index: int, s: int, e: int, cues: list[Hit], lead: Hit | None) -> list[Frame]:
        """The frames of the sentence ``f.text[s:e]`` (the templates the watchlists copy)."""
        f, cw = self.f, self.cw
        kept, kept_starts, shared, shared_starts = self._prepare()
        inside = kept[bisect_left(kept_starts, s) : bisect_left(kept_starts, e)]
        shared_in = shared[bisect_left(shared_starts, s) : bisect_left(shared_starts, e)]
        known = list(self.known)
        story = f.once("story_parties", lambda: StoryParties(f)) if f.name == "body" else None
        found = sentence_frames(f, index, s, e, cues, inside, shared_in, cw, known, story)
        if lead is not None:
            # The round says who invested in whom better than an "investment" cue near it.
            found = [fr for fr in found if not fr.invest]
            found += round_frame(f, index, (s, e, lead), inside, shared_in, cw, known)
        return found


def _start(h: Hit) -> int:
    return h.start
