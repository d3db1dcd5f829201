"""The calibrated score: a logistic model over the story features, its weights shipped as data.

``filter_model.json`` (next to this module) holds two models, one for headlines read alone and one
for full articles, each with its feature weights and bias,
fitted by ``bench/fit_filter.py`` on the labelled sets with cross-validation
(:mod:`crawler.matching.fitting`). The bias is shifted so that the fitted decision threshold lands
on 0.5, the default ``min_score`` of a watchlist: a score is the model's probability that the story
is relevant, read against a threshold chosen on data the weights were not fitted on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

MODEL_FILE = "filter_model.json"


@dataclass(frozen=True)
class Model:
    """Weights of the logistic model over named features."""

    weights: Mapping[str, float]
    bias: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    def logit(self, features: Mapping[str, float]) -> float:
        return self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def score(self, features: Mapping[str, float]) -> float:
        """The probability (0..1) that a story with these features is relevant."""
        z = self.logit(features)
        if z < -40:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, features: Mapping[str, float]) -> list[tuple[str, float]]:
        """Each feature's share of the logit, largest first (for ``--explain``)."""
        parts = [(n, w * features.get(n, 0.0)) for n, w in self.weights.items()]
        return sorted((p for p in parts if p[1]), key=lambda p: -abs(p[1]))

    def to_dict(self) -> dict[str, Any]:
        return {"bias": self.bias, "weights": dict(self.weights), "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        weights = {str(k): float(v) for k, v in dict(data["weights"]).items()}
        return cls(weights=weights, bias=float(data["bias"]), meta=dict(data.get("meta", {})))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")


REGIMES = ("headline", "article")
# A body shorter than this is a teaser (a feed summary, a failed extraction): the story is read
# as an article and as a headline alone, and the surer reading counts.
SHORT_BODY_WORDS = 60


def is_short(text: str) -> bool:
    """Whether a body is too short to be read as an article."""
    return len(text.split(None, SHORT_BODY_WORDS)) < SHORT_BODY_WORDS


def regime(features: Mapping[str, float]) -> str:
    """Which model reads a story: a headline alone, or an article."""
    return "headline" if features.get("no_body") else "article"


@dataclass(frozen=True)
class FilterModel:
    """One logistic model per regime: a headline alone is read on another scale than an article."""

    models: Mapping[str, Model]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def for_features(self, features: Mapping[str, float]) -> Model:
        """The model for this story's regime (the other one if a regime was never fitted)."""
        wanted = self.models.get(regime(features))
        return wanted if wanted is not None else next(iter(self.models.values()))

    def score(self, features: Mapping[str, float]) -> float:
        return self.for_features(features).score(features)

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": {name: m.to_dict() for name, m in self.models.items()},
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FilterModel:
        models = {str(k): Model.from_dict(v) for k, v in dict(data["models"]).items()}
        return cls(models=models, meta=dict(data.get("meta", {})))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")


def model_path() -> Path:
    """Where the shipped model file lives."""
    return Path(str(resources.files("crawler.matching").joinpath(MODEL_FILE)))


def load_model(path: str | Path | None = None) -> FilterModel:
    """The shipped (or the given) fitted model."""
    with open(path or model_path(), encoding="utf-8") as fh:
        return FilterModel.from_dict(json.load(fh))
