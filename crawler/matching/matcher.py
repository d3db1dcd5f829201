"""The relevance filter's façade: scan once, then frames, main event and a calibrated score.

:class:`Matcher` compiles every watchlist into one automaton (:mod:`crawler.matching.compiler`).
Matching an article runs these stages, each in its own module:

1. **scan** (:mod:`~crawler.matching.scan`) — one automaton pass over the title and the body,
   hits grouped by watchlist;
2. **frames** (:mod:`~crawler.matching.frames`) — in each sentence with a hiring or deal cue
   (:mod:`~crawler.matching.sentences`), who did what to whom, with open-world parties
   (:mod:`~crawler.matching.parties`);
3. **story** (:mod:`~crawler.matching.story`) — the main frame of each event kind and the story's
   features, against what else the title and lede are about;
4. **scoring** (:mod:`~crawler.matching.scoring`) — a logistic model fitted on labelled news;
5. **evidence** (:mod:`~crawler.matching.evidence`) — the :class:`Match` the alert shows;
6. **explain** (:mod:`~crawler.matching.explain`) — why, for ``newswatch match --explain``.

A watchlist matches when its score reaches ``min_score`` and its rule (if any) holds. Stages 2-4
are one watchlist's *reading* of the article (:mod:`~crawler.matching.reading`), made once for
every watchlist that reads the article alike: what does not depend on the watchlist once per
article, a cue sentence once per view of it (the watchlist's entities it names), a story once per
set of views. Many watchlists cost little more than one unless their entities differ where the
article's events are told; what each watchlist adds is its rule, its threshold and its match.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from crawler.matching.compiler import CompiledWatchlist, compile_watchlists
from crawler.matching.evidence import build_match
from crawler.matching.explain import (
    ExplainHit,
    Explanation,
    RuleView,
    describe_frame,
    explain_hits,
)
from crawler.matching.reading import StoryAnalysis, has_cue, read
from crawler.matching.scan import Field, scan
from crawler.matching.scoring import FilterModel, load_model, regime
from crawler.matching.story import KindAnalysis, prominence
from crawler.matching.types import EventKind, Match
from crawler.matching.watchlist import Watchlist

__all__ = ["ExplainHit", "Explanation", "Matcher", "StoryAnalysis"]


class Matcher:
    """All watchlists compiled into one automaton. Pure, thread-safe for reads, picklable."""

    def __init__(self, watchlists: Sequence[Watchlist], model: FilterModel | None = None) -> None:
        self._watchlists = tuple(watchlists)
        self._model = model if model is not None else load_model()
        self._build()

    # Compiling is cheap (a few ms for the default watchlist), so a pickle carries only the models.
    def __getstate__(self) -> dict[str, Any]:
        return {"watchlists": self._watchlists, "model": self._model.to_dict()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._watchlists = tuple(state["watchlists"])
        self._model = FilterModel.from_dict(state["model"])
        self._build()

    def _build(self) -> None:
        self._compiled = compile_watchlists(self._watchlists)

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return self._watchlists

    @property
    def model(self) -> FilterModel:
        return self._model

    @property
    def pattern_count(self) -> int:
        """How many distinct patterns the automaton holds."""
        return self._compiled.patterns

    def _scan(self, title: str, text: str, year: int | None = None) -> dict[str, Field]:
        c = self._compiled
        year = year or datetime.now(UTC).year  # an undated article is read in the current year
        return {
            "title": scan(c.automaton, c.patterns, "title", title or "", c.vocabulary, year),
            "body": scan(c.automaton, c.patterns, "body", text or "", c.vocabulary, year),
        }

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
        fields = self._scan(title, text, published.year if published else None)
        out: list[Match] = []
        for cw in self._compiled.watchlists:
            if not has_cue(fields, cw) or _skip_reason(cw.watchlist, source, published):
                continue
            ex = self._evaluate(fields, cw, explain=False)
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
        year: int | None = None,
    ) -> list[Explanation]:
        """Every watchlist's decision about one article, with hits, frames and the score's parts
        (``year``: the article's, when ``published`` is not given: a labelled file's date)."""
        fields = self._scan(title, text, published.year if published else year)
        out: list[Explanation] = []
        for cw in self._compiled.watchlists:
            skip = _skip_reason(cw.watchlist, source, published)
            if skip is not None:
                out.append(Explanation(cw.watchlist.name, False, 0.0, None, skip, None))
                continue
            out.append(self._evaluate(fields, cw, explain=True))
        return out

    def analyse(self, title: str, text: str, year: int | None = None) -> list[StoryAnalysis]:
        """Each watchlist's frames and features (what the model is fitted on)."""
        fields = self._scan(title, text, year)
        return [read(fields, cw, self._model, self._compiled) for cw in self._compiled.watchlists]

    # ------------------------------------------------------------------ stages

    def _evaluate(
        self, fields: dict[str, Field], cw: CompiledWatchlist, *, explain: bool
    ) -> Explanation:
        wl = cw.watchlist
        story = read(fields, cw, self._model, self._compiled)
        passing = {k: s for k, s in story.scores.items() if s >= wl.min_score and s > 0}
        score = max(story.scores.values(), default=0.0)
        kind: EventKind | None = None
        best: KindAnalysis | None = None
        if passing:
            # A story with a deal and a hire is headed by the deal ("Meta → Scale AI").
            best_kind = "deal" if "deal" in passing else max(passing, key=lambda k: passing[k])
            best = story.kinds[best_kind]
            # "Both": a hire and a deal pass, an acqui-hire cue, or a deal whose target's people
            # are hired in the same story (a stake and the founder: the rubric's "both").
            both = (
                len(passing) > 1
                or any(fr.both for fr in best.frames if prominence(fr) > 0.2)
                or (best_kind == "deal" and best.features.get("linked_hire", 0.0) > 0)
            )
            kind = "both" if both else best_kind  # type: ignore[assignment]
        rule_ok: bool | None = None
        if cw.rule is not None:
            frames = [fr for a in story.kinds.values() for fr in a.frames]
            rule_ok = cw.rule.evaluate(RuleView(fields, cw, frames))
        matched = bool(passing) and rule_ok is not False
        if matched:
            reason = f"score {score:.3f} >= min_score {wl.min_score}"
        elif not passing:
            reason = f"score {score:.3f} < min_score {wl.min_score}"
        else:
            reason = "the rule does not hold"
        components: list[str] = []
        frame_lines: list[str] = []
        if explain:
            components, frame_lines = self._explain_parts(story)
            if rule_ok is not None and cw.rule is not None:
                components.append(f"rule {cw.rule.text!r}: {rule_ok}")
        match: Match | None = None
        if matched and kind is not None and best is not None and best.main is not None:
            frames = [fr for k in passing for fr in story.kinds[k].frames]
            match = build_match(cw, score, kind, best.main, frames, fields, tuple(components))
        return Explanation(
            watchlist=wl.name,
            matched=match is not None,
            score=score,
            kind=kind,
            reason=reason,
            rule_ok=rule_ok,
            hits=explain_hits(fields, cw) if explain else (),
            components=tuple(components),
            match=match,
            frames=tuple(frame_lines),
        )

    def _explain_parts(self, story: StoryAnalysis) -> tuple[list[str], list[str]]:
        components: list[str] = []
        frame_lines: list[str] = []
        for kind, a in story.kinds.items():
            for fr in a.frames:
                frame_lines.append(f"{describe_frame(fr)} prominence {prominence(fr):.2f}")
            if a.main is None:
                components.append(f"{kind}: no frame, score 0")
                continue
            components.append(
                f"{kind}: main frame {describe_frame(a.main)}"
                f" (the most prominent of {len(a.frames)}: {prominence(a.main):.2f})"
            )
            model = self._model.for_features(a.features)
            parts = ", ".join(
                f"{name} {value:+.2f}" for name, value in model.contributions(a.features)
            )
            components.append(
                f"{kind}: score {story.scores[kind]:.3f} = sigmoid(bias {model.bias:+.2f}"
                f"{', ' + parts if parts else ''}) [{regime(a.features)} model]"
            )
        return components, frame_lines


def _skip_reason(wl: Watchlist, source: str | None, published: datetime | None) -> str | None:
    if not wl.sources.allows(source):
        return f"source {source!r} is not watched by this watchlist"
    if wl.max_age is not None and published is not None:
        when = published if published.tzinfo else published.replace(tzinfo=UTC)
        if datetime.now(UTC) - when > wl.max_age:
            return f"article older than max_age {wl.max_age}"
    return None
