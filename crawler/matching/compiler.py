"""Compile watchlists into one Aho-Corasick automaton: every alias, cue, focus term, rule literal.

Each pattern is normalised by :func:`crawler.matching.text.pattern_key` (lower case, punctuation as
spaces, wrapped in spaces) so every hit falls on word boundaries. A pattern carries one or more
*refs*: (category, watchlist index, payload, case-sensitive form or None, may sit inside an entity
name). The story vocabularies of :mod:`crawler.matching.story_cues` are compiled once for all
watchlists under watchlist index ``SHARED``. Watchlists that read stories the same way (the same
topics, focus, background cues and ``parties``; they may differ in everything else: name, entities,
rule, min_score, routing) share a *reading* number, so that the matcher reads an article once for
all of them, apart from what their own entities change (:mod:`crawler.matching.reading`).
Compiling the default watchlist takes a few ms, so a pickled matcher carries only its watchlists
and compiles again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick

from crawler.matching.lexicons import RECAP_YEARS, Lexicon
from crawler.matching.rules import Rule
from crawler.matching.story_cues import (
    CASED_INVESTORS,
    COMPETING,
    LEAD,
    STATUS,
    STRATEGIC_INVESTORS,
)
from crawler.matching.text import cased_key, pattern_key
from crawler.matching.watchlist import Watchlist

# Hit categories (small ints: the automaton stores them for every pattern).
(
    ENTITY,
    CUE,
    WEAK,
    CONTEXT,
    NEGATIVE,
    BOTH,
    FOCUS,
    BACKGROUND,
    RULE,
    MOVE,
    ROLE,
    COMPETE,
    STATUS_CUE,
    STRATEGIC,
    LEAD_CUE,
) = range(15)
CATEGORY_NAMES = (
    "entity",
    "cue",
    "weak-cue",
    "context",
    "negative",
    "both-cue",
    "focus",
    "background",
    "rule-term",
    "move-cue",
    "role",
    "competing",
    "status",
    "strategic-investor",
    "lead",
)
CUE_CATEGORIES = frozenset((CUE, WEAK, BOTH, MOVE))
# Cue-like hits that mean nothing when they sit inside an entity name ("AI" in "Scale AI" is kept:
# a name with AI in it says the company is about AI).
SUPPRESSIBLE = frozenset((CUE, WEAK, CONTEXT, NEGATIVE, BOTH, MOVE, ROLE, COMPETE, STATUS_CUE))
SHARED = -1  # the watchlist index of the story vocabularies
# The order of a watchlist's refs within one pattern: its entities, then its vocabulary (cues,
# focus, background; see ``vocabulary_index``), then its rule terms -- the order in which
# ``compile_watchlists`` adds them, kept when the vocabulary is compiled apart.
RANKS = {ENTITY: 0, RULE: 2}
VOCABULARY_RANK = 1

# (category, watchlist index, payload, case-sensitive form or None, may be inside an entity name)
Ref = tuple[int, int, Any, str | None, bool]

# The watchlist settings that do not change how a story is read without its entities: its own
# entities (an article that names none of them is read the same way), and what is applied after
# the reading (rule, min_score) or around it (name, routing, sources, age). Every other setting,
# present or future, is part of the reading, so a new one is never shared by mistake.
NOT_READING = frozenset(
    ("name", "description", "notify", "min_score", "rule", "sources", "max_age", "entities")
)


@dataclass(frozen=True, slots=True)
class CompiledWatchlist:
    """One watchlist's compiled view: its vocabularies, its rule and its entity classes."""

    index: int
    watchlist: Watchlist
    lexicons: dict[str, Lexicon]
    rule: Rule | None
    core: frozenset[int]
    persons: frozenset[int]
    # Watchlists with the same reading judge an article that names none of their entities alike.
    reading: int

    @property
    def open_world(self) -> bool:
        """Whether parties that the watchlist does not list count (``parties = "any"``)."""
        return self.watchlist.parties == "any"


@dataclass(frozen=True, slots=True)
class Compiled:
    """The automaton and the compiled watchlists it serves."""

    automaton: Any
    watchlists: tuple[CompiledWatchlist, ...]
    patterns: int
    # For each watchlist, the index its vocabulary hits are recorded under (its reading's).
    vocabulary: tuple[int, ...] = ()


def vocabulary_index(reading: int) -> int:
    """The index under which the vocabulary (topic lexicons, focus terms, background cues) of
    every watchlist of ``reading`` is compiled, once: a cue in an article is then one hit for all
    those watchlists, not one per watchlist."""
    return -2 - reading


def compile_watchlists(watchlists: Sequence[Watchlist]) -> Compiled:
    """Build the automaton for ``watchlists`` (and the shared story vocabularies)."""
    table: dict[str, list[Ref]] = {}

    def add(phrase: str, ref: tuple[int, int, Any, str | None], *, key: str | None = None) -> None:
        k = key if key is not None else pattern_key(phrase)
        if k:
            table.setdefault(k, []).append((*ref, False))

    def add_vocabulary(wl: Watchlist, vi: int, lexicons: dict[str, Lexicon]) -> None:
        for topic, lex in lexicons.items():
            for category, phrases in (
                (CUE, lex.cues),
                (WEAK, lex.weak),
                (CONTEXT, lex.context),
                (NEGATIVE, lex.negative),
                (BOTH, lex.both),
                (MOVE, lex.moves),
                (ROLE, lex.roles),
            ):
                for phrase in phrases:
                    add(phrase, (category, vi, topic, None))
        if wl.focus is not None:
            for phrase in wl.focus.all_terms():
                add(phrase, (FOCUS, vi, None, None))
        for phrase in wl.background_cues():
            add(phrase, (BACKGROUND, vi, None, None))
        for year in RECAP_YEARS:
            add(f"in {year}", (BACKGROUND, vi, year, None))

    compiled: list[CompiledWatchlist] = []
    readings: dict[str, int] = {}
    vocabulary: list[int] = []
    for wi, wl in enumerate(watchlists):
        known_readings = len(readings)
        reading = readings.setdefault(reading_key(wl), len(readings))
        vocabulary.append(vocabulary_index(reading))
        lexicons = wl.lexicons()
        core: set[int] = set()
        persons: set[int] = set()
        for ei, entity in enumerate(wl.entities):
            if entity.core:
                core.add(ei)
            if entity.type == "person":
                persons.add(ei)
            sensitive = set(entity.case_sensitive)
            for alias in entity.all_aliases():
                add(alias, (ENTITY, wi, ei, cased_key(alias) if alias in sensitive else None))
        if reading == known_readings:  # the first watchlist of its reading
            add_vocabulary(wl, vocabulary_index(reading), lexicons)
        rule = wl.compiled_rule()
        if rule is not None:
            for key in rule.patterns:
                add("", (RULE, wi, key, None), key=key)
        compiled.append(
            CompiledWatchlist(wi, wl, lexicons, rule, frozenset(core), frozenset(persons), reading)
        )
    if compiled:
        for name, phrases in COMPETING.items():
            for phrase in phrases:
                add(phrase, (COMPETE, SHARED, name, None))
        for name, phrases in STATUS.items():
            for phrase in phrases:
                add(phrase, (STATUS_CUE, SHARED, name, None))
        for investor in STRATEGIC_INVESTORS:
            cased = cased_key(investor) if investor in CASED_INVESTORS else None
            add(investor, (STRATEGIC, SHARED, investor, cased))
        for phrase in LEAD:
            add(phrase, (LEAD_CUE, SHARED, None, None))

    # Every run of whole words inside an entity alias: only cues equal to one of these can sit
    # inside an entity name, so only their hits need the (per-hit) containment check.
    inner: set[str] = set()
    for key, refs in table.items():
        if any(r[0] == ENTITY for r in refs):
            words = key.split()
            for i in range(len(words)):
                for j in range(i + 1, len(words) + 1):
                    inner.add(" " + " ".join(words[i:j]) + " ")
    automaton = ahocorasick.Automaton()
    for key, refs in table.items():
        nested = key in inner
        # Deduplicate: the same phrase may be listed twice in one role.
        final = tuple(
            dict.fromkeys((c, w, p, cf, nested and c != ENTITY) for c, w, p, cf, _ in refs)
        )
        # Entities first, rule terms last (a stable sort: each watchlist's own order is kept), so
        # that the scan knows where a watchlist's own hit falls among its vocabulary's.
        final = tuple(sorted(final, key=lambda ref: RANKS.get(ref[0], VOCABULARY_RANK)))
        automaton.add_word(key, (len(key), not key.endswith(" "), final))
    if table:
        automaton.make_automaton()
    return Compiled(automaton, tuple(compiled), len(table), tuple(vocabulary))


def reading_key(wl: Watchlist) -> str:
    """What decides how ``wl`` reads a story that names none of its entities (see
    ``NOT_READING``), as a string two watchlists share when they read alike."""
    return json.dumps(wl.model_dump(mode="json", exclude=set(NOT_READING)), sort_keys=True)
