"""``newswatch eval FILE.jsonl [--watchlist NAME] [--json]``: measure the filter on labelled news.

Each line is a JSON object with ``id``, ``title``, ``text`` (may be empty) and ``label`` (relevant,
irrelevant or borderline). A case is predicted relevant when any evaluated watchlist matches it.
Borderline cases are reported with their prediction but never scored. Prints precision, recall, F1,
the confusion counts and the misses; ``--json`` prints one object
``{"n", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "cases": [...]}`` where ``n`` is the
number of cases read (borderline included) and each case is ``{"id", "label", "predicted", "score",
"kind"}``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scheduler.commands.match import load_watchlists
from scheduler.errors import NewswatchError

LABELS = ("relevant", "irrelevant", "borderline")


def register(subparsers: Any) -> None:
    """Add the ``eval`` subcommand to the ``newswatch`` parser."""
    parser = subparsers.add_parser(
        "eval",
        help="precision / recall of the watchlists on labelled JSON lines",
        description=(
            "Evaluate the watchlists on labelled articles (JSON lines with id, title, text, label "
            "in relevant/irrelevant/borderline). Borderline rows are reported, not scored."
        ),
    )
    parser.add_argument("file", metavar="FILE.jsonl", help="labelled cases, one JSON per line")
    parser.add_argument("--watchlist", metavar="NAME", help="evaluate only this watchlist")
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


def evaluate(cases: list[dict[str, Any]], matcher: Any) -> dict[str, Any]:
    """Score the cases with ``matcher`` (a :class:`crawler.matching.Matcher`)."""
    tp = fp = fn = tn = 0
    out_cases: list[dict[str, Any]] = []
    for row in cases:
        explanations = matcher.explain(row.get("title") or "", row.get("text") or "")
        matched = [e for e in explanations if e.matched]
        best = max(explanations, key=lambda e: e.score, default=None)
        kind_from = max(matched, key=lambda e: e.score) if matched else None
        predicted = "relevant" if matched else "irrelevant"
        label = row["label"]
        if label == "relevant":
            tp, fn = (tp + 1, fn) if matched else (tp, fn + 1)
        elif label == "irrelevant":
            fp, tn = (fp + 1, tn) if matched else (fp, tn + 1)
        out_cases.append(
            {
                "id": row["id"],
                "label": label,
                "predicted": predicted,
                "score": best.score if best else 0.0,
                "kind": kind_from.kind if kind_from else None,
            }
        )
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(out_cases),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "cases": out_cases,
    }


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
    cases = read_cases(Path(args.file))
    result = evaluate(cases, Matcher(watchlists))
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
