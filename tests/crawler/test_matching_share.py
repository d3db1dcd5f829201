"""Readings shared across watchlists: a sentence's frames and a story are read once for every
watchlist that sees them alike, and each watchlist still gets exactly what it gets alone.

Watchlists here share one reading (topics, focus, parties) and differ in their entities in ways a
shared reading must not blur: the same words under another canonical name, an AI-native entity
that is not one elsewhere, a person, the same entities in another order. Behaviour, not timing:
the cost figures are ``bench/matcher.py``'s.
"""

from __future__ import annotations

from typing import Any

import pytest

from crawler.matching import Entity, Matcher, Watchlist, reading, sentences
from tests.crawler.test_matching_many import ARTICLES, DEFAULT

META = next(e for e in DEFAULT.entities if e.name == "Meta")
SCALE = next(e for e in DEFAULT.entities if e.name == "Scale AI")
WANG = next(e for e in DEFAULT.entities if e.name == "Alexandr Wang")

TITLE = "Meta invests $14.3 billion in Scale AI and hires its chief executive"
BODY = (
    "Meta has agreed to invest $14.3 billion in Scale AI for a 49% stake, and Scale AI's chief "
    "executive Alexandr Wang will join Meta to lead a new superintelligence lab.\n"
    "The deal values Scale at more than $29 billion, people familiar with the matter said."
)


def _with(name: str, *entities: Entity) -> Watchlist:
    return DEFAULT.model_copy(update={"name": name, "entities": entities, "min_score": 0.1})


def alike_but_not_the_same() -> list[Watchlist]:
    """Watchlists of one reading whose entities fall on the same words of an article."""
    return [
        _with("plain", META, SCALE, WANG),
        # The same aliases under other canonical names: a match names the watchlist's own.
        _with(
            "renamed",
            META.model_copy(update={"name": "Meta Platforms Inc", "aliases": ("Meta",)}),
            SCALE.model_copy(update={"name": "Scale AI Inc", "aliases": ("Scale AI", "Scale")}),
            WANG,
        ),
        # Scale AI not AI-native here: the deal's AI angle must come from the text alone.
        _with("not-core", META, SCALE.model_copy(update={"core": False}), WANG),
        # Wang listed as a company: the hire's person is no longer a watched person.
        _with("company-wang", META, SCALE, WANG.model_copy(update={"type": "company"})),
        _with("reordered", WANG, SCALE, META),
        _with("meta-only", META),
        _with("scale-only", SCALE),
    ]


def _decisions(matcher: Matcher, title: str, body: str) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for e in matcher.explain(title, body):
        match = e.match.to_dict() if e.match is not None else None
        out[e.watchlist] = (e.score, e.kind, e.reason, e.hits, e.components, e.frames, match)
    return out


def test_watchlists_that_name_the_same_words_differently_get_what_they_get_alone() -> None:
    watchlists = alike_but_not_the_same()
    together = Matcher(watchlists)
    alone = {w.name: Matcher([w]) for w in watchlists}
    seen: dict[str, list[tuple[Any, ...]]] = {w.name: [] for w in watchlists}
    for title, body in [(TITLE, BODY), *ARTICLES]:
        shared = _decisions(together, title, body)
        for name, matcher in alone.items():
            assert shared[name] == _decisions(matcher, title, body)[name], (title, name)
            seen[name].append(shared[name])
        assert [m.to_dict() for m in together.match(title, body)] == [
            m.to_dict() for w in watchlists for m in alone[w.name].match(title, body)
        ], title
    # The watchlists do read the articles differently: a reading shared where it must not be
    # would have made some of them alike.
    for name in ("renamed", "not-core", "company-wang", "reordered", "meta-only", "scale-only"):
        assert seen[name] != seen["plain"], name
    renamed = next(m for m in together.match(TITLE, BODY) if m.watchlist == "renamed")
    assert renamed.event is not None and renamed.event.actor == "Meta Platforms Inc"


# An AI-native company named only in the headline and the lede, and a deal between others.
ESSAY = (
    "Why Tallyframe Matters",
    "Tallyframe has spent a decade forecasting demand for shops.\n"
    "Elsewhere, Meta acquired Brindlewood for $300 million, the company said on Tuesday.",
)
# A round a strategic investor leads, whose company only a Title Case headline names.
ROUND = (
    "Inside Brindlewood's Quiet Year",
    "The round was led by Intel Capital, with participation from existing investors.",
)
# A deal whose sentence says nothing of AI: its AI angle is the target's, when it is AI-native.
DEAL = (
    "Meta acquires Tallyframe",
    "Meta has agreed to acquire Tallyframe, which forecasts demand for shops, for $300 million.",
)
TALLYFRAME = Entity(name="Tallyframe", core=True)
BRINDLEWOOD = Entity(name="Brindlewood")


def test_what_a_story_reads_outside_its_events_is_the_watchlists_own() -> None:
    watchlists = [
        _with("core", META, TALLYFRAME, BRINDLEWOOD),
        _with("not-core", META, TALLYFRAME.model_copy(update={"core": False}), BRINDLEWOOD),
        _with("meta-only", META),
    ]
    together = Matcher(watchlists)
    for title, body in (ESSAY, ROUND, DEAL):
        shared = _decisions(together, title, body)
        for w in watchlists:
            assert shared[w.name] == _decisions(Matcher([w]), title, body)[w.name], (title, w.name)
        # Not alike: the AI angle of the deal and of the essay's headline is the core entity's;
        # the round's company is the headline's name only for a watchlist that lists it.
        differs = ("core", "meta-only") if title == ROUND[0] else ("core", "not-core")
        assert shared[differs[0]][:3] != shared[differs[1]][:3], title


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the sentences and the stories actually read (not taken from another watchlist)."""
    counts = {"sentences": 0, "stories": 0}
    sentence_frames, story = sentences.sentence_frames, reading._story

    def count_sentence(*args: Any) -> Any:
        counts["sentences"] += 1
        return sentence_frames(*args)

    def count_story(*args: Any) -> Any:
        counts["stories"] += 1
        return story(*args)

    monkeypatch.setattr(sentences, "sentence_frames", count_sentence)
    monkeypatch.setattr(reading, "_story", count_story)
    return counts


def _reads(monkeypatch: pytest.MonkeyPatch, watchlists: list[Watchlist]) -> dict[str, int]:
    with monkeypatch.context() as patch:
        counts = _count_reads(patch)
        matcher = Matcher(watchlists)
        for title, body in [(TITLE, BODY), *ARTICLES]:
            matcher.match(title, body)
        return dict(counts)


def test_a_watchlist_that_reads_an_article_as_another_does_adds_no_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one = _reads(monkeypatch, [DEFAULT])
    assert one["sentences"] > 30 and one["stories"] > 10  # the articles do have events
    # Other names, thresholds, rules and routing, and entities that no article names: read as
    # the default watchlist reads, so no sentence and no story is read twice.
    unnamed = Entity(name="Quorvantine Systems", aliases=("Quorvantine",), core=True)
    others = [
        DEFAULT.model_copy(update={"name": "strict", "min_score": 0.9, "notify": ("ops",)}),
        DEFAULT.model_copy(update={"name": "ruled", "rule": "@entities AND NOT title:podcast"}),
        DEFAULT.model_copy(update={"name": "longer", "entities": (*DEFAULT.entities, unnamed)}),
    ]
    assert _reads(monkeypatch, [DEFAULT, *others]) == one


ROUNDUP = (
    "The week in brief",
    "Meta acquired Brindlewood for $300 million. Nvidia hired Elena Sorvino from Quillstack as "
    "chief scientist. Corvane agreed to buy Pellwright for $40 million. Tallyframe opened an "
    "office in Lisbon.",
)


def test_a_sentence_is_read_again_only_for_a_watchlist_whose_entities_change_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nvidia = next(e for e in DEFAULT.entities if e.name == "Nvidia")
    meta, other, bystander = _with("a", META), _with("b", nvidia), _with("c", TALLYFRAME)

    def reads(watchlists: list[Watchlist]) -> int:
        with monkeypatch.context() as patch:
            counts = _count_reads(patch)
            Matcher(watchlists).match(*ROUNDUP)
            return counts["sentences"]

    # Three cue sentences: "c" names none of its entities in them, "a" and "b" one each.
    assert reads([bystander]) == reads([meta]) == reads([other]) == 3
    # Together: each sentence once as "c" reads it, and once more for the watchlist whose
    # entity it names (that one reads every other sentence as "c" does).
    assert reads([meta, other, bystander]) == 3 + 2
