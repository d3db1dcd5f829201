"""The relevance filter: one Aho-Corasick pass, then per-watchlist rules and scoring.

:class:`Matcher` compiles every alias, cue, focus term and rule literal of every watchlist into
one pyahocorasick automaton, once. Matching an article normalises the title and the body (see
:mod:`crawler.matching.text`), runs the automaton over each, checks case on the hits of
case-sensitive aliases, and groups the hits by sentence. The cost is one linear pass plus work per
*hit*, so it does not grow with the number of aliases.

Scoring, per topic and sentence: an event needs a watched entity and a cue in the same sentence (a
strong cue, or a weak one with context). It is worth more in the title (1.0) than in the lead (the
first three sentences, 0.85) or later in the body (0.45 to the eighth sentence, then 0.3: alone, a
passing mention stays below the default ``min_score`` of 0.5); it loses most of its weight next to a
negative cue (x0.25: "hiring freeze", "buys solar"), in a background recap (x0.4: "after
acquiring", "last year"), without the watchlist's focus (x0.35: no AI term and no core entity),
or, for a hire, with no person, role or team in the sentence (x0.5).
The best sentence gives the topic's score; each further supporting sentence adds 0.1 (up to three),
and 0.1 more comes from the title when it has a cue of the topic or names the entity of an event in
the lead. A watchlist matches when its best topic reaches ``min_score`` and its rule (if any) holds.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

import ahocorasick

from crawler.matching.lexicons import Lexicon
from crawler.matching.rules import Field, Rule
from crawler.matching.text import (
    SentenceLocator,
    Sentences,
    cased_key,
    find_amounts,
    normalize,
    normalize_cased,
    pattern_key,
    same_sentence,
    split_sentences,
    token_index,
    token_starts,
)
from crawler.matching.types import Amount, EntityRef, EventKind, Evidence, Match
from crawler.matching.watchlist import Watchlist

# Hit categories (small ints: the automaton stores them for every pattern).
ENTITY, CUE, WEAK, CONTEXT, NEGATIVE, BOTH, FOCUS, BACKGROUND, RULE, MOVE, ROLE = range(11)
_CUE_CATEGORIES = frozenset((CUE, WEAK, BOTH, MOVE))
_SUPPRESSIBLE = frozenset((CUE, WEAK, CONTEXT, NEGATIVE, BOTH, MOVE, ROLE))
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
)

TITLE_WEIGHT = 1.0
LEAD_SENTENCES = 3
LATE_INDEX = 8
# An event only in the middle or the end of the body is a passing mention unless it is repeated
# or the title speaks of it: alone it stays below the default min_score of 0.5.
POSITION_WEIGHTS = ((LEAD_SENTENCES, 0.85), (LATE_INDEX, 0.45))
LATE_WEIGHT = 0.3
WEAK_STRENGTH = 0.8
NEGATIVE_FACTOR = 0.25
BACKGROUND_FACTOR = 0.4
NO_FOCUS_FACTOR = 0.35
NO_PEOPLE_FACTOR = 0.5
TITLE_FOCUS_FACTOR = 0.85
TITLE_ENTITY_FACTOR = 0.6  # body sentence without an entity, in the lead, when the title has one
REPEAT_BONUS = 0.1
REPEAT_MAX = 3
TITLE_BONUS = 0.1
SUPPORT_MIN = 0.3

# Cue words whose object is a stake in a company, or a merger of equals, or a person moving.
_INVEST_CUES = ("invest", "stake", "pours", "pumps")
_MERGE_CUES = ("merge", "merger", "merging")
_MOVE_CUES = (
    "joins",
    "joined",
    "joining",
    "to join",
    "goes to",
    "moves to",
    "heads to",
    "leaves for",
    "departs for",
    "left for",
    "defects to",
    "defected to",
    "defecting to",
    "jumps ship",
    "jumped ship",
)

# (category, watchlist index, payload, case-sensitive form or None, may be inside an entity name)
Ref = tuple[int, int, Any, str | None, bool]


class Hit(NamedTuple):
    """One pattern found in the title or body (offsets into that field's original text).

    A named tuple rather than a frozen dataclass: an article yields dozens of hits and a frozen
    dataclass's ``__init__`` costs several times a tuple's.
    """

    category: int
    watchlist: int
    payload: Any  # entity index, topic name, or rule key
    field: Literal["title", "body"]
    start: int
    end: int
    nested: bool = False  # this cue could sit inside an entity name ("AI" in "Scale AI")

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES[self.category]


@dataclass(frozen=True, slots=True)
class ExplainHit:
    """A hit as ``--explain`` shows it."""

    field: str
    sentence: int
    category: str
    text: str
    detail: str


@dataclass(frozen=True)
class Explanation:
    """Everything the matcher decided about one article for one watchlist."""

    watchlist: str
    matched: bool
    score: float
    kind: EventKind | None
    reason: str
    rule_ok: bool | None
    hits: tuple[ExplainHit, ...] = ()
    components: tuple[str, ...] = ()
    match: Match | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "watchlist": self.watchlist,
            "matched": self.matched,
            "score": self.score,
            "kind": self.kind,
            "reason": self.reason,
            "rule_ok": self.rule_ok,
            "hits": [
                {
                    "field": h.field,
                    "sentence": h.sentence,
                    "category": h.category,
                    "text": h.text,
                    "detail": h.detail,
                }
                for h in self.hits
            ],
            "components": list(self.components),
            "match": self.match.to_dict() if self.match else None,
        }


@dataclass(slots=True)
class _Field:
    """One scanned field of an article."""

    name: Literal["title", "body"]
    text: str
    norm: str  # padded normalised text
    hits: list[Hit]
    _sentences: Sentences | None = None
    _tokens: list[int] | None = None
    _locator: SentenceLocator | None = None

    @property
    def locator(self) -> SentenceLocator:
        if self._locator is None:
            self._locator = SentenceLocator(self.text, LATE_INDEX)
        return self._locator

    @property
    def sentences(self) -> Sentences:
        if self._sentences is None:
            if self.name == "title":
                self._sentences = Sentences(self.text, (0,), (len(self.text),))
            else:
                self._sentences = split_sentences(self.text)
        return self._sentences

    def token_of(self, offset: int) -> int:
        if self._tokens is None:
            self._tokens = token_starts(self.norm)
        return token_index(self._tokens, offset + 1)


@dataclass(slots=True)
class _Sentence:
    """The hits of one watchlist in one sentence."""

    field: Literal["title", "body"]
    index: int  # exact in the lead; LATE_INDEX for any later sentence
    start: int
    end: int
    entities: dict[int, list[Hit]] = dc_field(default_factory=dict)
    cues: dict[str, list[Hit]] = dc_field(default_factory=dict)
    weak: dict[str, list[Hit]] = dc_field(default_factory=dict)
    context: set[str] = dc_field(default_factory=set)
    negative: dict[str, list[Hit]] = dc_field(default_factory=dict)
    both: list[Hit] = dc_field(default_factory=list)
    moves: dict[str, list[Hit]] = dc_field(default_factory=dict)
    roles: dict[str, list[Hit]] = dc_field(default_factory=dict)
    focus: bool = False
    background: list[Hit] = dc_field(default_factory=list)


@dataclass(slots=True)
class _TopicResult:
    score: float = 0.0
    best: tuple[float, _Sentence] | None = None
    support: list[tuple[float, _Sentence]] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)
    both: bool = False


@dataclass(frozen=True, slots=True)
class _Compiled:
    watchlist: Watchlist
    lexicons: dict[str, Lexicon]
    rule: Rule | None
    core: frozenset[int]
    persons: frozenset[int]


def _joined(between: str) -> bool:
    """Whether the words between two entities join them as one subject ("A and B", "A, B")."""
    words = between.replace(",", " , ").split()
    return all(w in (",", "and", "&", "s", "'s", "’s") for w in words)


def _inside(h: Hit, spans: list[tuple[int, int]]) -> bool:
    return any(start <= h.start and h.end <= end for start, end in spans)


class _RuleView:
    """Adapts one article's hits to :class:`crawler.matching.rules.RuleContext`."""

    def __init__(
        self,
        fields: dict[str, _Field],
        wl: int,
        compiled: _Compiled,
        topic_fields: dict[str, set[str]],
    ) -> None:
        self.fields = fields
        self.wl = wl
        self.compiled = compiled
        self.topic_fields = topic_fields

    def _fields(self, field_name: Field) -> list[_Field]:
        if field_name == "any":
            return list(self.fields.values())
        return [self.fields[field_name]]

    def has_key(self, key: str, field: Field) -> bool:
        return any(
            h.category == RULE and h.watchlist == self.wl and h.payload == key
            for f in self._fields(field)
            for h in f.hits
        )

    def positions(self, key: str, field: Literal["title", "body"]) -> list[int]:
        f = self.fields[field]
        return [
            f.token_of(h.start)
            for h in f.hits
            if h.category == RULE and h.watchlist == self.wl and h.payload == key
        ]

    def has_entity(self, name: str | None, field: Field, *, core_only: bool = False) -> bool:
        entities = self.compiled.watchlist.entities
        for f in self._fields(field):
            for h in f.hits:
                if h.category != ENTITY or h.watchlist != self.wl:
                    continue
                if core_only and h.payload not in self.compiled.core:
                    continue
                if name is None or entities[h.payload].name == name:
                    return True
        return False

    def has_topic(self, topic: str, field: Field) -> bool:
        present = self.topic_fields.get(topic, set())
        return bool(present) if field == "any" else field in present


class Matcher:
    """All watchlists compiled into one automaton. Pure, thread-safe for reads, picklable."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self._watchlists = tuple(watchlists)
        self._build()

    # Rebuilding is cheap (a few ms for the default watchlist), so a pickle carries only the models.
    def __getstate__(self) -> dict[str, Any]:
        return {"watchlists": self._watchlists}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._watchlists = tuple(state["watchlists"])
        self._build()

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return self._watchlists

    def _build(self) -> None:
        table: dict[str, list[Ref]] = {}

        def add(
            phrase: str, ref: tuple[int, int, Any, str | None], *, key: str | None = None
        ) -> None:
            k = key if key is not None else pattern_key(phrase)
            if k:
                table.setdefault(k, []).append((*ref, False))

        compiled: list[_Compiled] = []
        for wi, wl in enumerate(self._watchlists):
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
            for topic, lex in lexicons.items():
                for phrase in lex.cues:
                    add(phrase, (CUE, wi, topic, None))
                for phrase in lex.weak:
                    add(phrase, (WEAK, wi, topic, None))
                for phrase in lex.context:
                    add(phrase, (CONTEXT, wi, topic, None))
                for phrase in lex.negative:
                    add(phrase, (NEGATIVE, wi, topic, None))
                for phrase in lex.both:
                    add(phrase, (BOTH, wi, topic, None))
                for phrase in lex.moves:
                    add(phrase, (MOVE, wi, topic, None))
                for phrase in lex.roles:
                    add(phrase, (ROLE, wi, topic, None))
            if wl.focus is not None:
                for phrase in wl.focus.all_terms():
                    add(phrase, (FOCUS, wi, None, None))
            for phrase in wl.background_cues():
                add(phrase, (BACKGROUND, wi, None, None))
            rule = wl.compiled_rule()
            if rule is not None:
                for key in rule.patterns:
                    add("", (RULE, wi, key, None), key=key)
            compiled.append(_Compiled(wl, lexicons, rule, frozenset(core), frozenset(persons)))
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
            automaton.add_word(key, (len(key), not key.endswith(" "), final))
        if len(table):
            automaton.make_automaton()
        self._automaton = automaton
        self._compiled = tuple(compiled)
        self._patterns = len(table)

    @property
    def pattern_count(self) -> int:
        """How many distinct patterns the automaton holds."""
        return self._patterns

    # ------------------------------------------------------------------ scanning

    def _scan(self, name: Literal["title", "body"], text: str) -> _Field:
        norm = " " + normalize(text) + " "
        hits: list[Hit] = []
        if not self._patterns:
            return _Field(name, text, norm, hits)
        append = hits.append
        new = tuple.__new__  # skips the named tuple's Python-level __new__ on a hot path
        for end, (length, prefix, refs) in self._automaton.iter(norm):
            # Padded coordinates: the key's leading space is at ``start``, so the word starts at
            # start + 1 in the padded text, which is ``start`` in the original text.
            start = end - length + 1
            stop = norm.find(" ", end) - 1 if prefix else end - 1
            for category, wi, payload, case_form, nested in refs:
                if case_form is not None:
                    found = text[start:stop]
                    if found != case_form and normalize_cased(found) != case_form:
                        continue
                append(new(Hit, (category, wi, payload, name, start, stop, nested)))
        return _Field(name, text, norm, hits)

    # ------------------------------------------------------------------ public API

    def match(
        self,
        title: str,
        text: str,
        *,
        source: str | None = None,
        published: datetime | None = None,
    ) -> list[Match]:
        """One match per watchlist that reaches its ``min_score`` and whose rule holds."""
        fields = {"title": self._scan("title", title or ""), "body": self._scan("body", text or "")}
        out: list[Match] = []
        for wi, comp in enumerate(self._compiled):
            if self._skip_reason(comp.watchlist, source, published) is not None:
                continue
            if not self._could_match(fields, wi, comp):
                continue
            ex = self._evaluate(fields, wi, comp, explain=False)
            if ex.match is not None:
                out.append(ex.match)
        return out

    def explain(
        self,
        title: str,
        text: str,
        *,
        source: str | None = None,
        published: datetime | None = None,
    ) -> list[Explanation]:
        """Every watchlist's decision about one article, with all hits and the score's parts."""
        fields = {"title": self._scan("title", title or ""), "body": self._scan("body", text or "")}
        out: list[Explanation] = []
        for wi, comp in enumerate(self._compiled):
            skip = self._skip_reason(comp.watchlist, source, published)
            if skip is not None:
                out.append(Explanation(comp.watchlist.name, False, 0.0, None, skip, None))
                continue
            out.append(self._evaluate(fields, wi, comp, explain=True))
        return out

    # ------------------------------------------------------------------ evaluation

    @staticmethod
    def _skip_reason(wl: Watchlist, source: str | None, published: datetime | None) -> str | None:
        if not wl.sources.allows(source):
            return f"source {source!r} is not watched by this watchlist"
        if wl.max_age is not None and published is not None:
            when = published if published.tzinfo else published.replace(tzinfo=UTC)
            if datetime.now(UTC) - when > wl.max_age:
                return f"article older than max_age {wl.max_age}"
        return None

    @staticmethod
    def _could_match(fields: dict[str, _Field], wi: int, comp: _Compiled) -> bool:
        """Cheap pre-check, true whenever a score above zero is possible.

        An event needs a cue in a sentence that names an entity, or a cue in the body of an
        article whose title names one; most articles fail this without being split into sentences.
        """
        title_entity = title_cue = False
        for h in fields["title"].hits:
            if h.watchlist == wi:
                if h.category == ENTITY:
                    title_entity = True
                elif h.category in _CUE_CATEGORIES:
                    title_cue = True
        if title_entity and title_cue:
            return True
        body = fields["body"]
        entities: list[int] = []
        strong: list[int] = []
        weak: list[int] = []
        context: list[int] = []
        for h in body.hits:
            if h.watchlist == wi:
                cat = h.category
                if cat == ENTITY:
                    entities.append(h.start)
                elif cat in (CUE, BOTH):
                    strong.append(h.start)
                elif cat in (WEAK, MOVE):
                    weak.append(h.start)
                elif cat in (CONTEXT, ROLE):
                    context.append(h.start)
        if not strong and not weak:
            return False
        if title_entity:
            return True
        if not entities:
            return False
        text = body.text

        def near(pos: int, others: list[int], *, skip_self: bool = False) -> bool:
            """Whether some offset in ``others`` is in the same sentence as ``pos``."""
            i = bisect_left(others, pos)
            j = i + 1 if skip_self and i < len(others) and others[i] == pos else i
            if j < len(others) and same_sentence(text, pos, others[j]):
                return True
            return i > 0 and same_sentence(text, others[i - 1], pos)

        def two_entities(pos: int) -> bool:
            """Whether two entity hits share the sentence of ``pos``."""
            i = bisect_left(entities, pos)
            pairs = ((i - 2, i - 1, i - 2, pos), (i - 1, i, i - 1, i), (i, i + 1, pos, i + 1))
            for a, b, lo, hi in pairs:
                if a < 0 or b >= len(entities):
                    continue
                left = entities[lo] if lo != pos else pos
                right = entities[hi] if hi != pos else pos
                if same_sentence(text, left, right):
                    return True
            return False

        for c in strong:
            if near(c, entities):
                return True
        # A weak cue needs context too: a context word, another weak cue or a second entity.
        for c in weak:
            if near(c, entities) and (
                near(c, context) or near(c, weak, skip_self=True) or two_entities(c)
            ):
                return True
        return False

    def _sentences(
        self, fields: dict[str, _Field], wi: int, comp: _Compiled
    ) -> tuple[list[_Sentence], bool]:
        """Group this watchlist's hits by sentence; drop cue hits inside an entity name.

        Only the title and the sentences holding a cue can carry an event, so only they are built;
        the second value says whether the title or the lead has the watchlist's focus.
        """
        result: list[_Sentence] = []
        lead_focus = False
        for f in fields.values():
            mine = [h for h in f.hits if h.watchlist == wi]
            if not mine:
                continue
            is_title = f.name == "title"
            if not is_title and not any(h.category in _CUE_CATEGORIES for h in mine):
                # No event can be in this body; only its lead's focus matters.
                if not lead_focus:
                    lead_end = f.locator.start_of(LEAD_SENTENCES)
                    lead_focus = any(
                        h.start < lead_end
                        and (
                            h.category == FOCUS or (h.category == ENTITY and h.payload in comp.core)
                        )
                        for h in mine
                    )
                continue
            locator = f.locator
            entity_spans = [(h.start, h.end) for h in mine if h.category == ENTITY]
            title_span = (0, len(f.text))
            lead_end = len(f.text) if is_title else locator.start_of(LEAD_SENTENCES)
            kept = [
                h
                for h in mine
                if not (h.nested and h.category in _SUPPRESSIBLE and _inside(h, entity_spans))
            ]
            # Locate only the sentences that hold a cue; every other hit either falls in one of
            # them or cannot take part in an event.
            if is_title:
                wanted = [title_span]
            else:
                wanted = []
                for h in kept:
                    if h.category in _CUE_CATEGORIES and not any(
                        a <= h.start < b for a, b in wanted
                    ):
                        wanted.append(locator.span_at(h.start))
            placed: list[tuple[tuple[int, int], Hit]] = []
            for h in kept:
                if not lead_focus and h.start < lead_end:
                    cat = h.category
                    lead_focus = cat == FOCUS or (cat == ENTITY and h.payload in comp.core)
                for span in wanted:
                    if span[0] <= h.start < span[1]:
                        placed.append((span, h))
                        break
            by_index: dict[int, _Sentence] = {}
            for span, h in placed:
                st = by_index.get(span[0])
                if st is None:
                    index = 0 if is_title else locator.index_of_start(span[0])
                    st = by_index[span[0]] = _Sentence(f.name, index, span[0], span[1])
                cat = h.category
                if cat == ENTITY:
                    st.entities.setdefault(h.payload, []).append(h)
                    if h.payload in comp.core:
                        st.focus = True
                elif cat == CUE:
                    st.cues.setdefault(h.payload, []).append(h)
                elif cat == WEAK:
                    st.weak.setdefault(h.payload, []).append(h)
                elif cat == CONTEXT:
                    st.context.add(h.payload)
                elif cat == NEGATIVE:
                    st.negative.setdefault(h.payload, []).append(h)
                elif cat == BOTH:
                    st.both.append(h)
                    st.cues.setdefault(h.payload, []).append(h)
                elif cat == FOCUS:
                    st.focus = True
                elif cat == BACKGROUND:
                    st.background.append(h)
                elif cat == MOVE:
                    st.moves.setdefault(h.payload, []).append(h)
                elif cat == ROLE:
                    st.roles.setdefault(h.payload, []).append(h)
            result.extend(by_index[i] for i in sorted(by_index))
        return result, lead_focus

    def _evaluate(
        self, fields: dict[str, _Field], wi: int, comp: _Compiled, *, explain: bool
    ) -> Explanation:
        wl = comp.watchlist
        sentences, lead_focus = self._sentences(fields, wi, comp)
        title_s = next((s for s in sentences if s.field == "title"), None)
        title_entities = set(title_s.entities) if title_s else set()
        has_focus_rule = wl.focus is not None

        results: dict[str, _TopicResult] = {}
        topic_fields: dict[str, set[str]] = {}
        for topic, lex in comp.lexicons.items():
            res = _TopicResult()
            for s in sentences:
                strong = topic in s.cues
                # A second organisation is context for a deal ("Nvidia invests in OpenAI"); a
                # person next to their own company ("Amazon CEO Andy Jassy") is not.
                # Two different weak cues support each other when someone is named or titled
                # ("taps Alexandr Wang to join"; not "picks SpaceX to join a program").
                weak_ok = topic in s.weak and (
                    topic in s.context
                    or (
                        len({h.start for h in s.weak[topic]}) >= 2
                        and (topic in s.roles or any(ei in comp.persons for ei in s.entities))
                    )
                    or (
                        lex.entity_context
                        and sum(1 for ei in s.entities if ei not in comp.persons) >= 2
                    )
                )
                if not strong and not weak_ok and topic in s.weak and topic in s.roles:
                    first_weak = min(h.start for h in s.weak[topic])
                    weak_ok = any(h.start > first_weak for h in s.roles[topic])
                if not strong and not weak_ok and topic in s.moves:
                    weak_ok = self._moved(s, topic, comp)
                if not strong and not weak_ok:
                    continue
                topic_fields.setdefault(topic, set()).add(s.field)
                strength = 1.0 if strong else WEAK_STRENGTH
                if s.entities:
                    entity_factor = 1.0
                elif s.field == "body" and s.index < LEAD_SENTENCES and title_entities:
                    entity_factor = TITLE_ENTITY_FACTOR
                else:
                    continue
                if s.field == "title":
                    position = TITLE_WEIGHT
                else:
                    position = LATE_WEIGHT
                    for limit, weight in POSITION_WEIGHTS:
                        if s.index < limit:
                            position = weight
                            break
                if not has_focus_rule or s.focus:
                    focus = 1.0
                elif lead_focus:
                    focus = TITLE_FOCUS_FACTOR
                else:
                    focus = NO_FOCUS_FACTOR
                negative = NEGATIVE_FACTOR if topic in s.negative else 1.0
                background = BACKGROUND_FACTOR if s.background else 1.0
                # Hiring is about people: with no person, role or team in sight ("NASA recruited
                # SpaceX's Starship"), a hiring cue is half as convincing.
                people = 1.0
                if lex.kind == "hiring" and not (
                    topic in s.context
                    or topic in s.roles
                    or any(ei in comp.persons for ei in s.entities)
                    or s.both
                ):
                    people = NO_PEOPLE_FACTOR
                value = strength * entity_factor * position * focus * negative * background * people
                if explain:
                    where = "title" if s.field == "title" else f"body sentence {s.index + 1}"
                    if s.index >= LATE_INDEX:
                        where += " or later"
                    res.notes.append(
                        f"{topic} in {where}: cue {strength:.2f} x entity {entity_factor:.2f}"
                        f" x position {position:.2f} x focus {focus:.2f}"
                        f" x negative {negative:.2f} x background {background:.2f}"
                        + (f" x no people {people:.2f}" if people != 1.0 else "")
                        + f" = {value:.3f}"
                    )
                res.support.append((value, s))
                if s.both and value > 0:
                    res.both = True
            if res.support:
                res.support.sort(key=lambda vs: (-vs[0], vs[1].field != "title", vs[1].start))
                best_value, best_s = res.support[0]
                res.best = (best_value, best_s)
                extra = sum(1 for v, _ in res.support[1:] if v >= SUPPORT_MIN)
                bonus = REPEAT_BONUS * min(REPEAT_MAX, extra)
                title_bonus = 0.0
                if best_s.field == "body" and (
                    (best_s.index < LEAD_SENTENCES and set(best_s.entities) & title_entities)
                    or (title_s is not None and (topic in title_s.cues or topic in title_s.weak))
                ):
                    title_bonus = TITLE_BONUS
                res.score = min(1.0, best_value + bonus + title_bonus)
                if explain and (bonus or title_bonus):
                    res.notes.append(
                        f"{topic}: best {best_value:.3f} + repeated {bonus:.2f}"
                        f" + title {title_bonus:.2f} = {res.score:.3f}"
                    )
            results[topic] = res

        passing = {t: r for t, r in results.items() if r.score >= wl.min_score and r.score > 0}
        score = round(max((r.score for r in results.values()), default=0.0), 3)
        kind = self._kind(comp, passing)

        rule_ok: bool | None = None
        if comp.rule is not None:
            rule_ok = comp.rule.evaluate(_RuleView(fields, wi, comp, topic_fields))

        matched = bool(passing) and (rule_ok is None or rule_ok)
        if matched:
            reason = f"score {score:.3f} >= min_score {wl.min_score}"
        elif not passing:
            reason = f"score {score:.3f} < min_score {wl.min_score}"
        else:
            reason = "the rule does not hold"
        components: list[str] = []
        for res in results.values():
            components.extend(res.notes)
        if rule_ok is not None:
            components.append(f"rule {comp.rule.text if comp.rule else ''!r}: {rule_ok}")

        match: Match | None = None
        if matched and kind is not None:
            match = self._build_match(fields, comp, passing, score, kind, tuple(components))
        hits: tuple[ExplainHit, ...] = ()
        if explain:
            hits = self._explain_hits(fields, wi, comp)
        return Explanation(
            watchlist=wl.name,
            matched=match is not None,
            score=score,
            kind=kind if passing else None,
            reason=reason,
            rule_ok=rule_ok,
            hits=hits,
            components=tuple(components),
            match=match,
        )

    @staticmethod
    def _moved(s: _Sentence, topic: str, comp: _Compiled) -> bool:
        """A movement cue with a role word or a person before it and an organisation after it."""
        entities = [(h.start, ei in comp.persons) for ei, hs in s.entities.items() for h in hs]
        roles = [h.start for h in s.roles.get(topic, ())]
        for move in s.moves[topic]:
            mover = any(r < move.start for r in roles) or any(
                start < move.start and person for start, person in entities
            )
            target = any(start > move.start and not person for start, person in entities)
            if mover and target:
                return True
        return False

    @staticmethod
    def _kind(comp: _Compiled, passing: dict[str, _TopicResult]) -> EventKind | None:
        kinds = {comp.lexicons[t].kind for t in passing}
        if not kinds:
            return None
        if len(kinds) > 1 or any(r.both for r in passing.values()):
            return "both"
        return next(iter(kinds))

    # ------------------------------------------------------------------ the match itself

    def _build_match(
        self,
        fields: dict[str, _Field],
        comp: _Compiled,
        passing: dict[str, _TopicResult],
        score: float,
        kind: EventKind,
        components: tuple[str, ...],
    ) -> Match:
        wl = comp.watchlist
        # Evidence: the best sentences over the passing topics, title first on ties.
        ranked: dict[tuple[str, int], tuple[float, _Sentence, str]] = {}
        for topic, res in passing.items():
            for value, s in res.support:
                key = (s.field, s.start)
                if key not in ranked or ranked[key][0] < value:
                    ranked[key] = (value, s, topic)
        chosen = sorted(ranked.values(), key=lambda v: (-v[0], v[1].field != "title", v[1].start))
        chosen = [c for c in chosen if c[0] >= SUPPORT_MIN][:3] or chosen[:1]

        evidence: list[Evidence] = []
        amounts: list[Amount] = []
        roles: dict[int, str | None] = {}
        order: list[int] = []
        for _, s, _topic in chosen:
            f = fields[s.field]
            start, end = s.start, s.end
            raw = f.text[start:end]
            lstrip = len(raw) - len(raw.lstrip())
            sentence_text = raw.strip()
            base = start + lstrip
            spans: set[tuple[int, int]] = set()
            for hs in s.entities.values():
                spans.update((h.start - base, h.end - base) for h in hs)
            for hs in (*s.cues.values(), *s.weak.values(), *s.moves.values()):
                spans.update((h.start - base, h.end - base) for h in hs)
            for amount, (a, b) in find_amounts(sentence_text):
                spans.add((a, b))
                if all(x.value != amount.value or x.currency != amount.currency for x in amounts):
                    amounts.append(amount)
            spans = {(a, b) for a, b in spans if 0 <= a < b <= len(sentence_text)}
            # Keep the longest of overlapping spans ("Scale AI" over "Scale").
            kept: list[tuple[int, int]] = []
            for a, b in sorted(spans, key=lambda ab: (ab[0], -ab[1])):
                if kept and a < kept[-1][1]:
                    continue
                kept.append((a, b))
            if any(e.text == sentence_text for e in evidence):
                continue  # extracted bodies often repeat the headline
            evidence.append(Evidence(sentence_text, tuple(kept), s.field))
            for ei, role in self._roles(f, s, tuple(passing), comp).items():
                if ei not in roles:
                    order.append(ei)
                    roles[ei] = role
                elif roles[ei] is None and role is not None:
                    roles[ei] = role
        entities = tuple(EntityRef(wl.entities[ei].name, roles[ei]) for ei in order)
        return Match(
            watchlist=wl.name,
            score=score,
            kind=kind,
            entities=entities,
            amounts=tuple(amounts),
            evidence=tuple(evidence),
            notify=wl.notify,
            explain=components,
        )

    @staticmethod
    def _roles(
        f: _Field, s: _Sentence, topics: Sequence[str], comp: _Compiled
    ) -> dict[int, str | None]:
        """Roles of the entities in one sentence, from where they stand relative to the cues.

        An entity before the first cue is its subject (acquirer, investor, hirer); an entity after
        a cue takes that cue's object role (target, person), or the subject role for passive and
        movement cues ("acquired by", "joins").
        """
        cues: list[tuple[Hit, str]] = []
        for topic in topics:
            for h in (*s.cues.get(topic, ()), *s.weak.get(topic, ()), *s.moves.get(topic, ())):
                cues.append((h, topic))
        # Overlapping cues ("investment" and "investment from"): the longest one speaks.
        cues.sort(key=lambda ht: (ht[0].start, -ht[0].end))
        cues = [c for i, c in enumerate(cues) if i == 0 or c[0].start != cues[i - 1][0].start]
        first = {ei: min(h.start for h in hs) for ei, hs in s.entities.items()}
        ordered = sorted(first, key=first.__getitem__)
        if not cues:
            return dict.fromkeys(ordered)

        def cue_roles(h: Hit, topic: str) -> tuple[str | None, str | None]:
            word = f.norm[h.start + 1 : h.end + 1]
            passive = f.norm[h.end + 1 : h.end + 5] == " by " or word.endswith(" from")
            if comp.lexicons[topic].kind == "hiring":
                if word in _MOVE_CUES or passive:
                    return "person", "hirer"
                return "hirer", "person"
            if any(word.startswith(c) for c in _MERGE_CUES):
                return None, None
            pair = (
                ("investor", "target")
                if any(word.startswith(c) for c in _INVEST_CUES)
                else ("acquirer", "target")
            )
            return (pair[1], pair[0]) if passive else pair

        roles: dict[int, str | None] = {}
        subject_end = -1  # end of the sentence's subject, the first entity before any cue
        for ei in ordered:
            hit = s.entities[ei][0]
            # "OpenAI-backed 1X acquires ...": a descriptor, not a party to the deal.
            if f.text[hit.end : hit.end + 8].lower().startswith(("-backed", "-funded", "-owned")):
                roles[ei] = None
                continue
            before = [c for c in cues if c[0].start < hit.start]
            after = [c for c in cues if c[0].start >= hit.end]
            if after and f.norm[hit.end + 1 : after[0][0].start + 1].strip() == "s":
                # Possessive before a noun cue: "OpenAI's acquisition of ..." -> the acquirer.
                role = cue_roles(*after[0])[0]
            elif before:
                role = cue_roles(*before[-1])[1]
            elif subject_end < 0 or _joined(f.text[subject_end : hit.start]):
                # The subject, or one joined to it: "Meta and Google acquire ...".
                role = cue_roles(*cues[0])[0]
                subject_end = hit.end
            else:
                # An object before the cue: "Meta approached Perplexity about an acquisition".
                role = cue_roles(*cues[0])[1]
            # Only people are hired; a company after "hires" is where the person came from.
            if role == "person" and ei not in comp.persons:
                role = None
            roles[ei] = role
        return roles

    def _explain_hits(
        self, fields: dict[str, _Field], wi: int, comp: _Compiled
    ) -> tuple[ExplainHit, ...]:
        out: list[ExplainHit] = []
        for f in fields.values():
            for h in f.hits:
                if h.watchlist != wi:
                    continue
                if h.category == ENTITY:
                    detail = comp.watchlist.entities[h.payload].name
                elif h.category == RULE:
                    detail = f"rule term {h.payload.strip()!r}"
                else:
                    detail = str(h.payload or "")
                out.append(
                    ExplainHit(
                        field=f.name,
                        sentence=f.sentences.index_of(h.start),
                        category=h.category_name,
                        text=f.text[h.start : h.end],
                        detail=detail,
                    )
                )
        return tuple(out)
