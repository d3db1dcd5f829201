"""``newswatch stories [--since 24h] [--all] [--json]``: recent stories, their outlets and reports.

A story is one real-world event however many outlets reported it (see
:mod:`scheduler.store.stories`). By default only stories with a match are listed; ``--all``
adds the rest (every stored article is in a story).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("stories")
    parser.add_argument("--since", default="24h", help="updated within (default 24h)")
    parser.add_argument("--all", action="store_true", help="also stories nothing matched")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alerts.render import format_time, one_line
    from scheduler.commands._common import config_and_store, parse_since

    since = parse_since(args.since)
    with config_and_store(args) as (_config, store):
        found = store.list_stories(since, limit=args.limit, matched_only=not args.all)
    for story in found:
        if args.json:
            print(json.dumps(story.to_dict(), ensure_ascii=False))
            continue
        score = f"{story.best_score:.2f}" if story.best_score is not None else "-"
        outlets = ", ".join(story.outlets)
        print(f"#{story.id} {score}  {one_line(story.title)}")
        print(f"    {story.url}")
        print(
            f"    first seen {format_time(story.first_seen)} · {len(story.reports)} reports · "
            f"outlets: {outlets}"
        )
        for frame in story.frames:
            print(f"    event: {frame}")
        for report in story.reports[1:]:
            added = f"  [{'; '.join(report.material)}]" if report.material else ""
            print(f"    + {report.source}: {one_line(report.title)}{added}")
    if not found and not args.json:
        print(f"no stories since {since:%Y-%m-%d %H:%M} UTC")
    return 0
