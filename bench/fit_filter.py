"""Refit the filter's model on the labelled sets and print cross-validated figures as JSON.

Reads ``dev-headlines.jsonl`` and ``dev-bodies.jsonl`` from ``../shared/data/eval`` and our
own ``crawler/matching/training/own-stories.jsonl`` (or the files given), turns every case into
story features with the default watchlist, and:

1. picks the L2 penalty from ``--l2-grid`` by k-fold cross-validated F1, averaged over the files
   and over ``--repeats`` fold splits;
2. reports cross-validated precision, recall and F1 per file and overall for the first split (each
   case scored by a model fitted, threshold included, without it), and the mean F1 over splits;
3. fits on every case and, with ``--write``, saves ``crawler/matching/filter_model.json``.

``--extra FILE...`` adds labelled files to those (the defaults, or the files given), such as
readers' labels from ``newswatch feedback export``. Deterministic for a given ``--seed``. Usage:
``python bench/fit_filter.py [--k 5] [--seed 0] [--write] [FILE.jsonl ...] [--extra FILE ...]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from crawler.matching import Matcher, load_default_watchlist
from crawler.matching.fitting import (
    Story,
    cross_validate,
    fit,
    stories_from_cases,
    training_path,
)
from crawler.matching.scoring import FilterModel, Model, model_path
from crawler.matching.story import FEATURES
from scheduler.commands.eval import figures, read_cases

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "eval"
# Our own labelled stories (invented companies, our words): the families the shared sets are thin
# on — hires, features whose news is in the body, strategic rounds, hard negatives.
OWN = training_path()
DEFAULT_FILES = (DATA / "dev-headlines.jsonl", DATA / "dev-bodies.jsonl", OWN)


def per_group(stories: list[Story], scores: dict[str, float]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for group in [*dict.fromkeys(s.group for s in stories), "all"]:
        chosen = [s for s in stories if group in ("all", s.group)]
        out[group] = figures((s.label, scores[s.id] >= 0.5) for s in chosen)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_FILES))
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--l2-grid", default="0.3,1,3")
    parser.add_argument("--repeats", type=int, default=3, help="fold splits per penalty")
    parser.add_argument("--write", action="store_true", help="save the fitted model")
    parser.add_argument(
        "--extra",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE.jsonl",
        help="labelled files added to the others (e.g. from `newswatch feedback export`)",
    )
    args = parser.parse_args(argv)
    paths: list[Path] = [*args.files, *args.extra]
    missing = [str(f) for f in paths if not f.exists()]
    if missing:
        print(f"labelled data not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    # Features do not depend on the weights: read them with a neutral model, not the shipped one.
    neutral = FilterModel(models={"article": Model(weights={}, bias=0.0)})
    matcher = Matcher([load_default_watchlist()], model=neutral)
    stories: list[Story] = []
    for path in paths:
        stories += stories_from_cases(matcher, read_cases(path), group=path.name)
    grid = [float(x) for x in args.l2_grid.split(",")]
    # Each penalty is cross-validated with --repeats different fold splits; the one whose F1,
    # averaged over the files and the splits, is best wins: each kind of story (headlines, bodies,
    # our own) counts the same whatever its size, and one lucky split does not decide.
    files = [p.name for p in paths]
    by_l2: dict[float, list[dict[str, dict[str, float]]]] = {}
    for l2 in grid:
        by_l2[l2] = [
            per_group(
                stories, cross_validate(stories, FEATURES, k=args.k, l2=l2, seed=args.seed + r)
            )
            for r in range(args.repeats)
        ]

    def mean_f1(l2: float, group: str | None = None) -> float:
        runs = by_l2[l2]
        groups = [group] if group else files
        return sum(run[g]["f1"] for run in runs for g in groups) / (len(runs) * len(groups))

    best_l2 = max(grid, key=mean_f1)
    model = fit(stories, FEATURES, l2=best_l2, k=args.k, seed=args.seed)
    meta = dict(model.meta)
    meta.update(
        {
            "fitted_on": [p.name for p in paths],
            "k": args.k,
            "seed": args.seed,
            "cross_validated": by_l2[best_l2][0],
            "cross_validated_f1_mean": {g: round(mean_f1(best_l2, g), 4) for g in files},
            "command": "python bench/fit_filter.py --write",
        }
    )
    model = type(model)(models=model.models, meta=meta)
    if args.write:
        model.save(model_path())
    result = {
        "cases": len(stories),
        "k": args.k,
        "l2": best_l2,
        "cv_f1_by_l2": {str(k): round(mean_f1(k), 4) for k in grid},
        "cross_validated": by_l2[best_l2][0],
        "cross_validated_f1_mean": {g: round(mean_f1(best_l2, g), 4) for g in [*files, "all"]},
        "repeats": args.repeats,
        "models": {
            name: {
                "threshold": round(m.meta["threshold"], 3),
                "bias": round(m.bias, 3),
                "weights": {k: round(v, 3) for k, v in m.weights.items()},
            }
            for name, m in model.models.items()
        },
        "seconds": round(time.perf_counter() - started, 1),
        "written": str(model_path()) if args.write else None,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
