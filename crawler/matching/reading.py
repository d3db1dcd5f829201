"""One watchlist's reading of an article: its frames, the main event of each kind, scores.

Reading is what matching costs, and little of it depends on which watchlist reads. It is built
in three layers, each made once per article for every distinct input it has, and shared:

1. the sentences that hold a cue of a vocabulary, and the open-world parties of a sentence: once
   for all the watchlists of a reading (:func:`~crawler.matching.compiler.reading_key`);
2. a sentence's frames: once for each *view* of it, the reading and the watchlist's entities the
   sentence names (:func:`~crawler.matching.sentences.read_sentences`);
3. the story (main frame, features and score of each event kind): once for each set of sentence
   views and AI angle of the title and the lede (:func:`story_key`).

A watchlist adds the cost of layers 2 and 3 only where its entities change what a sentence says:
two watchlists that name the same companies in the article's cue sentences, or none, read it
alike, and an article is judged once for all of them. Shared readings are read-only: the story
layer settles each frame on its own copies, and callers must not change a :class:`StoryAnalysis`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from crawler.matching.compiler import (
    CUE_CATEGORIES,
    ENTITY,
    STRATEGIC,
    Compiled,
    CompiledWatchlist,
    vocabulary_index,
)
from crawler.matching.parties import title_names
from crawler.matching.scan import Field, scan
from crawler.matching.scoring import FilterModel, is_short
from crawler.matching.sentences import SentenceReading, copy_frames, read_sentences
from crawler.matching.story import (
    KindAnalysis,
    ai_angle,
    analyse,
    count_events,
    settle_ai,
    story_context,
)

Fields = dict[str, Field]


@dataclass(frozen=True, slots=True)
class StoryAnalysis:
    """One watchlist's reading of one article: frames and features per event kind, and scores."""

    kinds: dict[str, KindAnalysis]
    scores: dict[str, float]


def read(fields: Fields, cw: CompiledWatchlist, model: FilterModel, c: Compiled) -> StoryAnalysis:
    """The watchlist's reading of the article (shared: the caller must not change it)."""
    if not any(cw.index in _named(f) for f in fields.values()):
        # An article that names none of the watchlist's entities is read the same way by every
        # watchlist of its reading: no need to look at the views of its sentences.
        body = fields["body"]
        return body.once(("unnamed", cw.reading), lambda: _read(fields, cw, model, c))
    return _read(fields, cw, model, c)


def _read(fields: Fields, cw: CompiledWatchlist, model: FilterModel, c: Compiled) -> StoryAnalysis:
    story = _read_fields(fields, cw, model)
    body = fields["body"]
    if body.once("teaser", lambda: bool(body.text.strip()) and is_short(body.text)):
        # A teaser under a headline: read the headline alone too, and keep the surer reading
        # of each event kind (the article model learned from full articles).
        empty = body.once(
            "headline_alone",
            lambda: scan(c.automaton, c.patterns, "body", "", c.vocabulary, body.year),
        )
        headline = _read_fields({"title": fields["title"], "body": empty}, cw, model)
        kinds, scores = dict(story.kinds), dict(story.scores)
        for kind, score in headline.scores.items():
            if score > scores.get(kind, 0.0):
                scores[kind] = score
                kinds[kind] = headline.kinds[kind]
        story = StoryAnalysis(kinds, scores)
    return story


def _read_fields(fields: Fields, cw: CompiledWatchlist, model: FilterModel) -> StoryAnalysis:
    if not has_cue(fields, cw):
        return _no_event(cw)
    title, body = fields["title"], fields["body"]
    body_readings = read_sentences(body, cw, [])
    known: list[str] = []
    if title.text and title.title_case:
        # A Title Case headline: only names the body writes as names are names.
        known = [
            p.name
            for _, frames in body_readings
            for fr in frames
            for p in (fr.actor, fr.target)
            if p
        ]
        known += body.once("title_names", lambda: title_names(title.text, body.text[:20_000]))
        known += [
            title.text[h.start : h.end]
            for h in title.hits.get(cw.index, ())
            if h.category == ENTITY
        ]
    title_readings = read_sentences(title, cw, known)
    angle = ai_angle(title, body, cw)
    key = story_key(cw, known, title_readings, body_readings, angle)
    return body.once(
        key, lambda: _story(fields, cw, model, known, title_readings, body_readings, angle)
    )


def story_key(
    cw: CompiledWatchlist,
    known: list[str],
    title_readings: list[SentenceReading],
    body_readings: list[SentenceReading],
    angle: tuple[bool, bool],
) -> Hashable:
    """What decides a story's reading besides the article: the reading (vocabulary, topics), the
    names a Title Case headline takes (a round's company is its subject), the views of the cue
    sentences, and whether the title and the lede have an AI angle (:func:`ai_angle`)."""
    return (
        "story",
        vocabulary_index(cw.reading),
        tuple(known),
        tuple(view for view, _ in title_readings),
        tuple(view for view, _ in body_readings),
        angle,
    )


def _story(
    fields: Fields,
    cw: CompiledWatchlist,
    model: FilterModel,
    known: list[str],
    title_readings: list[SentenceReading],
    body_readings: list[SentenceReading],
    angle: tuple[bool, bool],
) -> StoryAnalysis:
    title, body = fields["title"], fields["body"]
    body_frames = copy_frames(body_readings)
    rounds = [fr for fr in body_frames if fr.form == "round" and fr.target is None]
    if rounds and title.text:
        # A round's company is the headline's subject ("HiddenLayer raises $50M").
        subject = next(iter(title.parties(0, len(title.text), known)), None)
        for fr in rounds:
            fr.target = subject
    frames = copy_frames(title_readings) + body_frames
    if not frames:
        # No event, no score: the story's context need not be read.
        return _no_event(cw)
    ctx = story_context(title, body, cw, angle)
    if "funding" not in ctx.competing_title:
        # A round deep in a story about something else (a lawsuit against an "Amazon-backed"
        # startup, a company profile) is background; a round is news in its own headline.
        frames = [f for f in frames if f.form != "round" or f.position in ("title", "lede")]
    settle_ai(frames, ctx, title, body)
    count_events(ctx, frames)
    kinds: dict[str, KindAnalysis] = {}
    scores: dict[str, float] = {}
    for kind in _event_kinds(cw):
        mine = [fr for fr in frames if fr.kind == kind or (fr.both and kind == "hiring")]
        a = analyse(kind, mine, ctx, title, body)
        kinds[kind] = a
        scores[kind] = round(model.score(a.features), 3) if a.frames else 0.0
    return StoryAnalysis(kinds, scores)


def _event_kinds(cw: CompiledWatchlist) -> list[str]:
    return list(dict.fromkeys(lex.kind for lex in cw.lexicons.values()))


def _no_event(cw: CompiledWatchlist) -> StoryAnalysis:
    kinds = _event_kinds(cw)
    return StoryAnalysis(
        {k: KindAnalysis(k, [], None, {}) for k in kinds}, dict.fromkeys(kinds, 0.0)
    )


def has_cue(fields: Fields, cw: CompiledWatchlist) -> bool:
    """Whether a frame is possible: a hiring or deal cue, or a strategic investor (who may lead
    a round that no cue names). The same for every watchlist of a reading: cues belong to the
    vocabulary (a watchlist's own hits are its entities and rule terms)."""
    vi = vocabulary_index(cw.reading)
    return fields["body"].once(("has_cue", vi), lambda: _has_cue(fields, vi))


def _has_cue(fields: Fields, vi: int) -> bool:
    return any(
        any(h.category in CUE_CATEGORIES for h in f.hits.get(vi, ())) for f in fields.values()
    ) or any(any(h.category == STRATEGIC for h in f.shared) for f in fields.values())


def _named(f: Field) -> frozenset[int]:
    """The watchlists one of whose entities ``f`` names."""
    return f.once(
        "named",
        lambda: frozenset(
            wi for wi, hits in f.hits.items() if any(h.category == ENTITY for h in hits)
        ),
    )
