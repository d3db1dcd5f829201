"""``newswatch demo``: crawl the bundled snapshot site offline and print the alerts."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from scheduler.demo_server import demo_config_text, serve_snapshot


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alerts.dispatcher import Dispatcher
    from crawler import reactor
    from scheduler.config import load_config
    from scheduler.jobs import crawl_once
    from scheduler.runtime import open_runtime

    with tempfile.TemporaryDirectory(prefix="newswatch-demo-") as tmp, serve_snapshot() as base:
        config_path = Path(tmp) / "newswatch.toml"
        config_path.write_text(demo_config_text(base, Path(tmp) / "data"), encoding="utf-8")
        config = load_config(config_path)
        print(f"newswatch demo: serving a snapshot news site at {base}")
        print(
            "crawling it once, matching against the default watchlist "
            f"'{config.watchlists[0].name}', and printing the alerts:\n",
            flush=True,
        )

        async def main() -> int:
            runtime = open_runtime(config, use_pool=False)
            try:
                summary = await crawl_once(runtime, config.sources[0])
                dispatcher = Dispatcher(runtime.store, config.channels)
                try:
                    stats = await dispatcher.run_once()
                finally:
                    await dispatcher.aclose()
            finally:
                await asyncio.to_thread(runtime.close)
            print(
                f"\ndemo done: {summary.new_articles} articles stored, {summary.matches} matched, "
                f"{getattr(stats, 'sent', 0)} alert(s) delivered. Next: `newswatch init`, edit "
                "newswatch.toml, then `newswatch run`."
            )
            return 0 if summary.ok else 1

        return reactor.run(main)
