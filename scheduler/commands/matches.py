"""``newswatch matches [--since 24h] [--watchlist NAME] [--json]``: recent matches and evidence."""

from __future__ import annotations

import argparse
import json
from typing import Any

from alerts.render import format_time
from scheduler.commands._common import parse_since, view_and_readonly_store


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "matches",
    )
    parser.add_argument("--since", default="24h", help="how far back (default 24h)")
    parser.add_argument("--watchlist", help="only this watchlist")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scheduler.errors import ConfigError

    since = parse_since(args.since)
    with view_and_readonly_store(args) as (config, store):
        known = {w.name for w in config.watchlists}
        if args.watchlist is not None and args.watchlist not in known:
            raise ConfigError(
                f"--watchlist: no watchlist named {args.watchlist!r} "
                f"(configured: {', '.join(sorted(known)) or 'none'})"
            )
        rows = store.list_matches(since, watchlist=args.watchlist, limit=args.limit)
        story_of = store.story_of_articles([row.article_id for row in rows])
    for row in rows:
        m = row.match
        if args.json:
            print(
                json.dumps(
                    {
                        "article_id": row.article_id,
                        "title": row.title,
                        "url": row.url,
                        "source": row.source,
                        "published": row.published.isoformat() if row.published else None,
                        "matched_at": row.created_at.isoformat(),
                        "story_id": story_of.get(row.article_id),
                        **m.to_dict(),
                    },
                    ensure_ascii=False,
                )
            )
            continue
        entities = ", ".join(e.name + (f" ({e.role})" if e.role else "") for e in m.entities)
        print(f"[{m.watchlist}] {m.kind} {m.score:.2f}  {row.title}")
        published = format_time(row.published) if row.published else "unknown"
        print(f"    {row.url}")
        print(
            f"    source {row.source} · published {published} · "
            f"matched {format_time(row.created_at)}"
        )
        if entities:
            print(f"    entities: {entities}")
        for ev in m.evidence:
            print(f"    > {ev.text}")
    if not rows and not args.json:
        print(f"no matches since {since:%Y-%m-%d %H:%M} UTC")
    return 0
