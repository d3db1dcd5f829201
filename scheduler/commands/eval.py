"""``newswatch eval FILE.jsonl... [--watchlist NAME] [--cv K] [--json]``: the filter, measured.

Each line is a JSON object with ``id``, ``title``, ``text`` (may be empty), ``label`` (relevant,
irrelevant or borderline) and optionally ``kind``. A case is predicted relevant when any evaluated
watchlist matches it. Borderline cases are reported with their prediction but never scored. Prints
precision, recall, F1, the confusion counts and the misses; ``--json`` prints one object
``{"n", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "cases": [...]}`` where ``n`` is the
number of cases read (borderline included) and each case is ``{"id", "label", "predicted", "score",
"kind"}``; with several files, ``"files"`` holds the same figures per file.

``--cv K`` measures the *fitted* filter honestly: the cases of all the files are split into K
stratified folds, and every case is scored by a model whose weights and threshold were fitted on the
other folds only (:mod:`crawler.matching.fitting`), plus the labelled stories that ship with
newswatch (``crawler/matching/training/``), which are trained on and never scored, as the shipped
model was (``--train-with FILE...`` names other training-only files; ``--train-with`` alone, none).
Without ``--cv`` the shipped model is used, which was fitted on the shared dev sets, so figures on
those sets are in-sample.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scheduler.commands.match import load_watchlists
from scheduler.errors import NewswatchError

LABELS = ("relevant", "irrelevant", "borderline")


def register(subparsers: Any) -> None:
    """Add the ``eval`` subcommand to the ``newswatch`` parser."""
    parser = subparsers.add_parser(
        "eval",
        description=(
            "Evaluate the watchlists on labelled articles (JSON lines with id, title, text, label "
            "in relevant/irrelevant/borderline). Borderline rows are reported, not scored."
        ),
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE.jsonl", help="labelled cases, one JSON per line"
    )
    parser.add_argument("--watchlist", metavar="NAME", help="evaluate only this watchlist")
    parser.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="K-fold cross-validation: score each case with a model fitted without it",
    )
    parser.add_argument(
        "--train-with",
        nargs="*",
        metavar="FILE.jsonl",
        help="with --cv: labelled files only trained on (default: the stories shipped with "
        "newswatch; none when given without a file)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def read_cases(path: Path) -> list[dict[str, Any]]:
    """Read and check the labelled cases; a bad line is an error naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise NewswatchError(f"cannot read {path}: {exc}") from None
    cases: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise NewswatchError(f"{path}:{number}: not valid JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise NewswatchError(f"{path}:{number}: expected a JSON object")
        label = row.get("label")
        if label not in LABELS:
            raise NewswatchError(
                f"{path}:{number}: label must be one of {', '.join(LABELS)}, got {label!r}"
            )
        if not isinstance(row.get("title", ""), str) or not isinstance(row.get("text", ""), str):
            raise NewswatchError(f"{path}:{number}: title and text must be strings")
        row.setdefault("id", f"line-{number}")
        cases.append(row)
    return cases


def figures(pairs: Iterable[tuple[str, bool]]) -> dict[str, Any]:
    """Confusion counts, precision, recall and F1 of (label, predicted relevant) pairs."""
    tp = fp = fn = tn = n = 0
    for label, matched in pairs:
        n += 1
        if label == "relevant":
            tp, fn = (tp + 1, fn) if matched else (tp, fn + 1)
        elif label == "irrelevant":
            fp, tn = (fp + 1, tn) if matched else (fp, tn + 1)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": n,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def evaluate(cases: list[dict[str, Any]], matcher: Any) -> dict[str, Any]:
    """Score the cases with ``matcher`` (a :class:`crawler.matching.Matcher`)."""
    from crawler.matching.fitting import year_of

    out_cases: list[dict[str, Any]] = []
    for row in cases:
        explanations = matcher.explain(
            row.get("title") or "", row.get("text") or "", year=year_of(row.get("published"))
        )
        matched = [e for e in explanations if e.matched]
        best = max(explanations, key=lambda e: e.score, default=None)
        kind_from = max(matched, key=lambda e: e.score) if matched else None
        out_cases.append(
            {
                "id": row["id"],
                "label": row["label"],
                "predicted": "relevant" if matched else "irrelevant",
                "score": best.score if best else 0.0,
                "kind": kind_from.kind if kind_from else None,
            }
        )
    result = figures((c["label"], c["predicted"] == "relevant") for c in out_cases)
    result["cases"] = out_cases
    return result


def cross_validated(
    cases: list[dict[str, Any]],
    matcher: Any,
    k: int,
    groups: dict[str, str] | None = None,
    train_with: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Score each case with a model fitted (weights and threshold) on the other folds."""
    from crawler.matching.fitting import cross_validate, stories_from_cases
    from crawler.matching.story import FEATURES

    if k < 2:
        raise NewswatchError("--cv needs at least 2 folds")
    # Each file is a group: the fit weighs every labelled set the same, as the shipped model's did.
    stories = [
        s
        for c in cases
        for s in stories_from_cases(matcher, [c], group=(groups or {}).get(c["id"], ""))
    ]
    # The same fitting as the shipped model's: its L2 penalty, chosen by bench/fit_filter.py.
    l2 = float(matcher.model.meta.get("l2", 1.0))
    extra = [
        s
        for name, rows in (train_with or {}).items()
        for s in stories_from_cases(matcher, rows, group=name)
    ]
    scores = cross_validate(stories, FEATURES, k=k, l2=l2, extra=extra)
    out_cases = [
        {
            "id": c["id"],
            "label": c["label"],
            "predicted": "relevant" if scores[s.id] >= 0.5 else "irrelevant",
            "score": round(scores[s.id], 3),
            "kind": None,
        }
        for c, s in zip(cases, stories, strict=True)
    ]
    result = figures((c["label"], c["predicted"] == "relevant") for c in out_cases)
    result["cases"] = out_cases
    return result


def training_files(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """The training-only files for ``--cv``: the shipped stories unless named otherwise, never one
    of the files being evaluated."""
    from crawler.matching.fitting import training_path

    names = [str(training_path())] if args.train_with is None else list(args.train_with)
    evaluated = {Path(f).resolve() for f in args.files}
    return {name: read_cases(Path(name)) for name in names if Path(name).resolve() not in evaluated}


def run(args: argparse.Namespace) -> int:
    """Evaluate and print the figures."""
    from crawler.matching import Matcher

    watchlists = load_watchlists(args.config)
    if args.watchlist:
        chosen = tuple(w for w in watchlists if w.name == args.watchlist)
        if not chosen:
            known = ", ".join(w.name for w in watchlists)
            raise NewswatchError(f"no watchlist named {args.watchlist!r} (known: {known})")
        watchlists = chosen
    cases: list[dict[str, Any]] = []
    groups: dict[str, list[str]] = {}
    for name in args.files:
        read = read_cases(Path(name))
        # Case ids must be unique across files; prefix them only when they clash.
        taken = {c["id"] for c in cases}
        for c in read:
            if c["id"] in taken:
                c["id"] = f"{Path(name).stem}:{c['id']}"
        groups[name] = [c["id"] for c in read]
        cases += read
    if args.cv is not None:
        if len(watchlists) > 1 and not args.watchlist:
            raise NewswatchError("--cv fits one watchlist's model: choose one with --watchlist")
        group_of = {i: name for name, ids in groups.items() for i in ids}
        result = cross_validated(
            cases, Matcher(watchlists[:1]), args.cv, group_of, training_files(args)
        )
    else:
        result = evaluate(cases, Matcher(watchlists))
    if len(args.files) > 1:
        by_id = {c["id"]: c for c in result["cases"]}
        result["files"] = {
            name: figures((by_id[i]["label"], by_id[i]["predicted"] == "relevant") for i in ids)
            for name, ids in groups.items()
        }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    titles = {row["id"]: row.get("title") or "" for row in cases}
    scored = result["tp"] + result["fp"] + result["fn"] + result["tn"]
    borderline = [c for c in result["cases"] if c["label"] == "borderline"]
    print(f"watchlists: {', '.join(w.name for w in watchlists)}")
    print(f"cases: {result['n']} ({scored} scored, {len(borderline)} borderline not scored)")
    print(
        f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  F1 {result['f1']:.3f}"
    )
    print(f"tp {result['tp']}  fp {result['fp']}  fn {result['fn']}  tn {result['tn']}")
    if args.cv is not None:
        print(f"({args.cv}-fold cross-validated: each case scored by a model fitted without it)")
    for name, fig in result.get("files", {}).items():
        print(
            f"  {name}: precision {fig['precision']:.3f}  recall {fig['recall']:.3f}"
            f"  F1 {fig['f1']:.3f}  (tp {fig['tp']} fp {fig['fp']} fn {fig['fn']})"
        )
    for tag, label, predicted in (
        ("false positive", "irrelevant", "relevant"),
        ("missed", "relevant", "irrelevant"),
    ):
        for c in result["cases"]:
            if c["label"] == label and c["predicted"] == predicted:
                print(f"  {tag}: {c['id']} score {c['score']:.3f}  {titles[c['id']]}")
    for c in borderline:
        print(f"  borderline: {c['id']} predicted {c['predicted']}  {titles[c['id']]}")
    return 0
