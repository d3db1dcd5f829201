"""Scan one field of an article (title or body) with the compiled automaton.

The text is normalised (:func:`crawler.matching.text.normalize`), run through the automaton once,
and every hit is checked for case when its pattern is case-sensitive. Hits are grouped by watchlist
as they are found, so each watchlist later walks its own hits only (the cost grows with the hits a
watchlist has, not with the number of watchlists). What the matcher reads from a field that no
watchlist changes (its sentences, the open-world parties of a sentence, whether a headline is in
Title Case, ...) is computed on first use and kept on the :class:`Field`, so every watchlist of
the article shares it. The body is cut at ``MAX_TEXT`` characters first: news that matters is said
long before that, and a hostile page must not cost more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, TypeVar

from crawler.matching.compiler import CATEGORY_NAMES, SHARED
from crawler.matching.parties import Party, find_parties, is_title_case
from crawler.matching.text import (
    SentenceLocator,
    Sentences,
    normalize,
    normalize_cased,
    split_sentences,
    token_index,
    token_starts,
)

MAX_TEXT = 60_000
EXACT_SENTENCES = 10

FieldName = Literal["title", "body"]
_T = TypeVar("_T")
_MISSING = object()


class Hit(NamedTuple):
    """One pattern found in a field (offsets into that field's original text).

    A named tuple rather than a frozen dataclass: an article yields dozens of hits and a frozen
    dataclass's ``__init__`` costs several times a tuple's.
    """

    category: int
    watchlist: int
    payload: Any  # entity index, topic name, class name, or rule key
    field: FieldName
    start: int
    end: int
    nested: bool = False  # this cue could sit inside an entity name ("AI" in "Scale AI")

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES[self.category]


@dataclass(slots=True)
class Field:
    """One scanned field: its text, its hits by watchlist, and its sentences (split on demand)."""

    name: FieldName
    text: str
    norm: str  # padded normalised text
    hits: dict[int, list[Hit]]  # watchlist, vocabulary or SHARED index -> hits in text order
    # Each watchlist's vocabulary index (see compiler.vocabulary_index), and for each of its own
    # hits how many of its vocabulary's hits came before it (to merge the two lists in order).
    vocabulary: Sequence[int] = ()
    places: dict[int, list[int]] = field(default_factory=dict)
    _sentences: Sentences | None = field(default=None)
    _tokens: list[int] | None = field(default=None)
    _locator: SentenceLocator | None = field(default=None)
    # Watchlist-independent readings of this field, keyed by what they are (see ``once``).
    _once: dict[Any, Any] = field(default_factory=dict)
    # The article's year, against which "in 2014" is a recap (None: no year cue is one).
    year: int | None = None

    @property
    def sentences(self) -> Sentences:
        if self._sentences is None:
            if self.name == "title":
                self._sentences = Sentences(self.text, (0,), (len(self.text),))
            else:
                self._sentences = split_sentences(self.text)
        return self._sentences

    def of(self, wi: int) -> list[Hit]:
        """The hits of watchlist ``wi`` (or the shared story vocabulary), in text order: its own
        (entities, rule terms) with those of its vocabulary, which all the watchlists of its
        reading share. Callers must not change the list."""
        own = self.hits.get(wi, [])
        if not 0 <= wi < len(self.vocabulary):
            return own
        vi = self.vocabulary[wi]
        words = self.hits.get(vi)
        if not words:
            return own
        if not own:
            return words
        return self.once(("of", wi), lambda: self._merge(wi, vi))

    def _merge(self, wi: int, vi: int) -> list[Hit]:
        """Own hits (a few) placed among the vocabulary's (many) as the automaton found them."""
        out = list(self.hits[vi])
        for inserted, (hit, place) in enumerate(zip(self.hits[wi], self.places[wi], strict=True)):
            out.insert(place + inserted, hit)
        return out

    @property
    def shared(self) -> list[Hit]:
        return self.hits.get(SHARED, [])

    def sentence_span(self, offset: int) -> tuple[int, int, int]:
        """(index, start, end) of the sentence holding ``offset``; indexes are exact for the
        first ``EXACT_SENTENCES`` sentences and ``EXACT_SENTENCES`` for any later one (only the
        lede and the first sentences are told apart, so most of a long text is never split)."""
        if self._locator is None:
            self._locator = SentenceLocator(self.text, EXACT_SENTENCES)
        start, end = self._locator.span_at(offset)
        return self._locator.index_of_start(start), start, end

    def lede_end(self, sentences: int) -> int:
        """Where the first ``sentences`` sentences end (the text's length when it has fewer)."""
        if self._locator is None:
            self._locator = SentenceLocator(self.text, EXACT_SENTENCES)
        return self._locator.start_of(sentences)

    def once(self, key: Any, compute: Callable[[], _T]) -> _T:
        """``compute()``, called on the first request for ``key`` only: for what the matcher reads
        from this field whatever the watchlist (every watchlist of the article then shares it).
        The value is shared, so callers must not change it."""
        value = self._once.get(key, _MISSING)
        if value is _MISSING:
            value = self._once[key] = compute()
        return value  # type: ignore[no-any-return]

    @property
    def title_case(self) -> bool:
        """Whether this is a headline written in Title Case (the body never is)."""
        return self.name == "title" and self.once("title_case", lambda: is_title_case(self.text))

    def parties(self, start: int, end: int, known: Iterable[str] = ()) -> list[Party]:
        """The open-world parties of ``text[start:end]`` (:func:`find_parties`; a Title Case
        headline only takes ``known`` names and name-shaped words), found once per article."""
        key = ("parties", start, end, tuple(known))
        found = self.once(
            key,
            lambda: find_parties(self.text, start, end, title_case=self.title_case, known=key[3]),
        )
        return list(found)

    def token_of(self, offset: int) -> int:
        if self._tokens is None:
            self._tokens = token_starts(self.norm)
        return token_index(self._tokens, offset + 1)


def scan(
    automaton: Any,
    patterns: int,
    name: FieldName,
    text: str,
    vocabulary: Sequence[int] = (),
    year: int | None = None,
) -> Field:
    """Run the automaton over ``text`` and return the field with its hits (``vocabulary``: each
    watchlist's vocabulary index, :attr:`Compiled.vocabulary`; ``year``: the article's)."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    norm = " " + normalize(text) + " "
    hits: dict[int, list[Hit]] = {}
    places: dict[int, list[int]] = {}
    if not patterns:
        return Field(name, text, norm, hits, vocabulary, year=year)
    own = len(vocabulary)  # indexes below this (and >= 0) are watchlists; the rest vocabularies
    new = tuple.__new__  # skips the named tuple's Python-level __new__ on a hot path
    for end, (length, prefix, refs) in automaton.iter(norm):
        # Padded coordinates: the key's leading space is at ``start``, so the word starts at
        # start + 1 in the padded text, which is ``start`` in the original text.
        start = end - length + 1
        stop = norm.find(" ", end) - 1 if prefix else end - 1
        for category, wi, payload, case_form, nested in refs:
            if case_form is not None:
                found = text[start:stop]
                if found != case_form and normalize_cased(found) != case_form:
                    continue
            bucket = hits.get(wi)
            if bucket is None:
                bucket = hits[wi] = []
            bucket.append(new(Hit, (category, wi, payload, name, start, stop, nested)))
            if 0 <= wi < own:
                # An entity or rule term: the refs of one pattern list entities before the
                # vocabulary and rule terms after it, so this count places it right.
                places.setdefault(wi, []).append(len(hits.get(vocabulary[wi], ())))
    return Field(name, text, norm, hits, vocabulary, places, year=year)
