"""``newswatch eval-stories FILE.jsonl [--window 72h] [--json]``: story clustering on labelled
articles, as B-cubed precision and recall (see :mod:`scheduler.story_eval`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval-stories",
        description=(
            "Store labelled articles (JSON lines: {include: FILE} | {id, story} | {id, story, "
            "title, text, published}) in a scratch store in published order and compare the "
            "stories formed with the labels."
        ),
    )
    parser.add_argument("file", metavar="FILE.jsonl", help="labelled articles")
    parser.add_argument("--window", help="story window (default: the config's, 72h)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler.matching import Matcher
    from crawler.sources import parse_duration
    from scheduler.commands.match import load_watchlists
    from scheduler.errors import ConfigError
    from scheduler.store.stories import DEFAULT_STORY_WINDOW
    from scheduler.story_eval import evaluate, read_labelled

    window = DEFAULT_STORY_WINDOW
    if args.window:
        try:
            window = parse_duration(args.window)
        except ValueError as exc:
            raise ConfigError(f"--window: {exc}") from None
    items = read_labelled(Path(args.file))
    result = evaluate(items, Matcher(load_watchlists(args.config)), window)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(
        f"{result['articles']} articles, {result['labelled_stories']} labelled stories, "
        f"{result['stories']} formed (window {result['window_hours']:g}h)"
    )
    print(f"B-cubed precision {result['bcubed_precision']:.4f}")
    print(f"B-cubed recall    {result['bcubed_recall']:.4f}")
    print(
        f"pairwise precision {result['pairwise_precision']:.4f}, recall "
        f"{result['pairwise_recall']:.4f} ({result['true_pairs']} labelled pairs)"
    )
    for ids in result["wrong_merges"]:
        print(f"wrong merge: {', '.join(ids)}")
    for label in result["split_stories"]:
        print(f"split: {label}")
    return 0
