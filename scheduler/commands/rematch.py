"""``newswatch rematch --since 7d``: match stored articles again (backtests after an edit).

New (article, watchlist) matches are stored; with ``--alert`` they also get outbox rows, otherwise
they are recorded without alerting, so a backtest never floods a channel with old stories. It
prints the diff against what was stored: ``+`` stories the edited watchlists gain, ``-`` stories
they no longer match (those stored matches are kept).
"""

from __future__ import annotations

import argparse
from typing import Any

from alerts.render import one_line
from scheduler.commands._common import config_and_store, parse_since


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rematch",
    )
    parser.add_argument("--since", default="7d", help="articles stored within (default 7d)")
    parser.add_argument("--alert", action="store_true", help="also queue alerts for new matches")
    parser.add_argument("--dry-run", action="store_true", help="report, store nothing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler.matching import Matcher

    since = parse_since(args.since)
    articles = matched = new = 0
    gained: list[str] = []
    lost: list[str] = []
    with config_and_store(args) as (config, store):
        matcher = Matcher(config.watchlists)
        routes = config.routes() if args.alert else {}
        before = store.stored_watchlists_since(since)
        configured = {w.name for w in config.watchlists}
        for article_id, title, text, source, published in store.articles_since(since):
            articles += 1
            found = matcher.match(title, text, source=source, published=published)
            now = {m.watchlist for m in found}
            was = before.get(article_id, set())
            label = f"{one_line(title)[:90]}  (#{article_id}, {source})"
            gained += [f"+ [{name}] {label}" for name in sorted(now - was)]
            # Only watchlists still configured: a removed watchlist is not a change of the filter.
            lost += [f"- [{name}] {label}" for name in sorted((was - now) & configured)]
            if not found:
                continue
            matched += 1
            if args.dry_run:
                continue
            result = store.add_matches(article_id, found, routes)
            new += len(result.match_ids)
    for line in (*gained, *lost):
        print(line)
    print(
        f"rematched {articles} articles: {matched} match, {new} new matches stored; "
        f"{len(gained)} gained, {len(lost)} lost"
        + (" (lost matches stay stored)" if lost else "")
        + ("" if args.alert else " (no alerts queued; use --alert)")
    )
    return 0
