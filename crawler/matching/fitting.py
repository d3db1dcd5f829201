"""Fit the filter's logistic model on labelled stories, with k-fold cross-validation.

Pure Python (a few dozen features and about a thousand rows need no numerical library): Newton's
method with an L2 penalty fits the weights; the decision threshold is the one that maximises F1 on
the training rows' own cross-validated scores; :func:`cross_validate` predicts every story with a
model fitted on the other folds, so the figures it gives were measured on data the model never saw.

A labelled story gives one row per event kind that has a frame in it. A relevant story's rows of its
labelled kind are positive; an irrelevant story's rows are negative; the other rows of a relevant
story (a deal story's stray hiring cue) carry no label. A story's score is its best row's.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from crawler.matching.scoring import REGIMES, FilterModel, Model

Row = dict[str, float]
# The threshold is the best F1 among those precise enough: users hate noise more than they hate
# a borderline miss, so a threshold below this precision (on held-out scores) is not taken.
MIN_PRECISION = 0.9


@dataclass(frozen=True, slots=True)
class Story:
    """One labelled story as rows of features, one per event kind with a frame."""

    id: str
    label: str  # relevant | irrelevant | borderline
    kind: str | None
    rows: tuple[tuple[str, Row], ...]  # (kind, features)
    group: str = ""  # the file it came from, for per-file figures
    regime: str = "article"  # "headline" when the story has no body

    def training_rows(self) -> list[tuple[Row, int]]:
        out: list[tuple[Row, int]] = []
        for kind, row in self.rows:
            if self.label == "irrelevant":
                out.append((row, 0))
            elif self.label == "relevant" and (self.kind in (kind, "both") or self.kind is None):
                out.append((row, 1))
        return out


def training_path() -> Path:
    """Our own labelled stories, shipped with the package: the families the shared sets lack."""
    return Path(str(resources.files("crawler.matching").joinpath("training/own-stories.jsonl")))


def year_of(published: Any) -> int | None:
    """The year of a labelled case's ``published`` ("2023" or an ISO date), if it has one."""
    text = str(published or "")[:4]
    return int(text) if len(text) == 4 and text.isdigit() else None


def stories_from_cases(
    matcher: Any, cases: Sequence[Mapping[str, Any]], group: str = "", watchlist: int = 0
) -> list[Story]:
    """Read labelled cases (``id``, ``title``, ``text``, ``label``, ``kind``) into stories."""
    out: list[Story] = []
    for case in cases:
        title, text = case.get("title") or "", case.get("text") or ""
        analysis = matcher.analyse(title, text, year_of(case.get("published")))[watchlist]
        rows = tuple((k, a.features) for k, a in analysis.kinds.items() if a.frames)
        kind = case.get("kind") or None
        regime = "article" if (case.get("text") or "").strip() else "headline"
        out.append(Story(str(case["id"]), str(case["label"]), kind, rows, group, regime))
    return out


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve ``a x = b`` by Gaussian elimination with partial pivoting (a is positive definite)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        p = m[col][col] or 1e-12
        for r in range(col + 1, n):
            f = m[r][col] / p
            if f:
                row_r, row_c = m[r], m[col]
                for c in range(col, n + 1):
                    row_r[c] -= f * row_c[c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / (m[r][r] or 1e-12)
    return x


def fit_logistic(
    rows: Sequence[tuple[Row, int]],
    features: Sequence[str],
    *,
    l2: float = 1.0,
    iterations: int = 25,
    weights: Sequence[float] | None = None,
) -> Model:
    """L2-penalised logistic regression by Newton's method (the bias is not penalised); each row
    counts ``weights[i]`` times (once when no weights are given)."""
    names = list(features)
    d = len(names) + 1
    xs = [[1.0, *(r.get(n, 0.0) for n in names)] for r, _ in rows]
    ys = [y for _, y in rows]
    ws = list(weights) if weights is not None else [1.0] * len(rows)
    w = [0.0] * d
    for _ in range(iterations):
        grad = [0.0] * d
        hess = [[0.0] * d for _ in range(d)]
        for x, y, weight in zip(xs, ys, ws, strict=True):
            z = sum(wi * xi for wi, xi in zip(w, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
            g = (p - y) * weight
            h = p * (1 - p) * weight
            nz = [(i, xi) for i, xi in enumerate(x) if xi]
            for i, xi in nz:
                grad[i] += g * xi
                hi = hess[i]
                for j, xj in nz:
                    hi[j] += h * xi * xj
        for i in range(1, d):
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        hess[0][0] += 1e-6
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return Model(weights=dict(zip(names, w[1:], strict=True)), bias=w[0])


def story_score(model: Model | FilterModel, story: Story) -> float:
    return max((model.score(row) for _, row in story.rows), default=0.0)


def best_threshold(scored: Sequence[tuple[float, int]], min_precision: float = 0.0) -> float:
    """The threshold that maximises F1 over (score, label) pairs among those whose precision is
    at least ``min_precision`` (all of them when none is); ties: the higher threshold."""
    positives = sum(y for _, y in scored)
    found: list[tuple[float, float, float]] = []  # (f1, precision, threshold)
    for t in sorted({s for s, _ in scored if s > 0}):
        tp = sum(1 for s, y in scored if s >= t and y)
        fp = sum(1 for s, y in scored if s >= t and not y)
        if tp:
            found.append((2 * tp / (2 * tp + fp + (positives - tp)), tp / (tp + fp), t))
    precise = [c for c in found if c[1] >= min_precision] or found
    if not precise:
        return 0.5
    return max(precise, key=lambda c: (c[0], c[2]))[2]


def _folds(stories: Sequence[Story], k: int, seed: int) -> list[list[int]]:
    """Stratified folds: each label spread evenly over the folds."""
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    for label in ("relevant", "irrelevant", "borderline"):
        idx = [i for i, s in enumerate(stories) if s.label == label]
        rng.shuffle(idx)
        for n, i in enumerate(idx):
            folds[n % k].append(i)
    return folds


def _scored(model: Model | FilterModel, stories: Sequence[Story]) -> list[tuple[float, int]]:
    return [
        (story_score(model, s), int(s.label == "relevant"))
        for s in stories
        if s.label in ("relevant", "irrelevant")
    ]


def _fit_weighted(stories: Sequence[Story], features: Sequence[str], l2: float) -> Model:
    """Fit with a small labelled set weighing more per story than a large one: the shared sets
    come from one crawl and one era each, our own stories cover the families they lack. A story
    counts by the square root of its set's share (a set of 80 beside one of 395 counts about 2x
    per story, not 5x): equal shares let a single story of a small set move every weight."""
    sizes: dict[str, int] = {}
    for s in stories:
        sizes[s.group] = sizes.get(s.group, 0) + 1
    share = len(stories) / len(sizes) if sizes else 1.0
    rows: list[tuple[Row, int]] = []
    weights: list[float] = []
    for s in stories:
        for row in s.training_rows():
            rows.append(row)
            weights.append(math.sqrt(share / sizes[s.group]))
    return fit_logistic(rows, features, l2=l2, weights=weights)


def fit_regime(
    stories: Sequence[Story], features: Sequence[str], *, l2: float = 1.0, k: int = 5, seed: int = 0
) -> Model:
    """Fit the weights on every story and a threshold from inner cross-validated scores.

    The bias is shifted by the threshold's logit, so ``score >= 0.5`` means "above threshold".
    """
    model = _fit_weighted(stories, features, l2)
    inner: list[tuple[float, int]] = []
    for fold in _folds(stories, k, seed):
        held = set(fold)
        m = _fit_weighted([s for i, s in enumerate(stories) if i not in held], features, l2)
        inner.extend(_scored(m, [stories[i] for i in fold]))
    t = min(max(best_threshold(inner, MIN_PRECISION), 1e-6), 1 - 1e-6)
    shift = math.log(t / (1 - t))
    return Model(weights=model.weights, bias=model.bias - shift, meta={"threshold": t, "l2": l2})


def fit(
    stories: Sequence[Story], features: Sequence[str], *, l2: float = 1.0, k: int = 5, seed: int = 0
) -> FilterModel:
    """One model per regime (headlines alone, full articles), each fitted on its own stories."""
    models: dict[str, Model] = {}
    for name in REGIMES:
        mine = [s for s in stories if s.regime == name]
        if any(s.training_rows() for s in mine):
            models[name] = fit_regime(mine, features, l2=l2, k=k, seed=seed)
    meta = {f"{name}_threshold": m.meta["threshold"] for name, m in models.items()}
    return FilterModel(models=models, meta={**meta, "l2": l2})


def cross_validate(
    stories: Sequence[Story],
    features: Sequence[str],
    *,
    k: int = 5,
    l2: float = 1.0,
    seed: int = 0,
    extra: Sequence[Story] = (),
) -> dict[str, float]:
    """Score every story with a model (weights and threshold) fitted on the other folds, plus
    the ``extra`` stories, which are only ever trained on (the other sets the shipped model
    learned from).

    Returns ``{story id: score}``; a story is predicted relevant when its score is >= 0.5.
    """
    scores: dict[str, float] = {}
    for fold in _folds(stories, k, seed):
        held = set(fold)
        train = [*(s for i, s in enumerate(stories) if i not in held), *extra]
        model = fit(train, features, l2=l2, k=k, seed=seed + 1)
        for i in fold:
            scores[stories[i].id] = story_score(model, stories[i])
    return scores
