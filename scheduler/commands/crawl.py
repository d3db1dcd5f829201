"""``newswatch crawl [SOURCE...] --once``: one pass over the named (or all enabled) sources.

Prints a per-source summary (requests, 304s, new articles, duplicates, drops with reasons, errors),
or one JSON object keyed by source name with ``--json``. ``--dry-run`` stores nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from typing import Any

from crawler.crawl_summary import CrawlSummary
from scheduler.errors import ConfigError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "crawl",
        description="Crawl the named sources (default: all enabled) once.",
    )
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="source names")
    parser.add_argument("--once", action="store_true", help="one pass (the only mode; for clarity)")
    parser.add_argument("--dry-run", action="store_true", help="fetch and extract, store nothing")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler import reactor
    from crawler.reactor import StopSignals
    from scheduler.config import load_config
    from scheduler.runtime import open_runtime

    config = load_config(args.config)
    if args.sources:
        known = {s.name for s in config.sources}
        unknown = [name for name in args.sources if name not in known]
        if unknown:
            raise ConfigError(f"unknown source(s): {', '.join(unknown)}", path=config.path)
        sources = [config.source(name) for name in args.sources]
    else:
        sources = [s for s in config.sources if s.enabled]
    progress = sys.stderr.isatty() and not args.json
    interrupted = False

    async def main() -> list[CrawlSummary]:
        from scheduler.jobs import crawl_once

        runtime = open_runtime(config, extract_workers=None)

        def on_signal(sig: signal.Signals) -> None:
            nonlocal interrupted
            interrupted = True
            print(
                f"\nnewswatch: {sig.name}: stopping the crawl (again to force)",
                file=sys.stderr,
                flush=True,
            )
            runtime.cancel_crawls()

        def again(sig: signal.Signals) -> None:  # the user does not want to wait at all
            print(f"\nnewswatch: {sig.name} again: exiting now", file=sys.stderr, flush=True)

        StopSignals(on_signal, again).install(asyncio.get_running_loop())
        ticker = Progress(sources) if progress else None
        try:

            async def one(source: Any) -> CrawlSummary:
                summary = await crawl_once(runtime, source, dry_run=args.dry_run)
                if ticker is not None:
                    ticker.finished(source.name, summary)
                return summary

            if ticker is not None:
                ticker.start()
            return list(await asyncio.gather(*(one(s) for s in sources)))
        finally:
            if ticker is not None:
                ticker.stop()
            runtime.close()

    summaries = reactor.run(main)
    if args.json:
        print(json.dumps({s.source: s.to_dict() for s in summaries}, indent=2))
    else:
        print(format_table(summaries))
    if interrupted:
        return 130
    # Any error counts: a feed that answers while every story behind it fails is a failure too.
    return 1 if any(not s.ok or s.errors for s in summaries) else 0


class Progress:
    """One self-rewriting status line on a terminal, so a long crawl is visibly alive."""

    EVERY = 1.0  # seconds between redraws

    def __init__(self, sources: list[Any]) -> None:
        self.running = [s.name for s in sources]
        self.total = len(sources)
        self.new = 0
        self.errors = 0
        self._started = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._started = asyncio.get_running_loop().time()
        self._task = asyncio.ensure_future(self._tick())

    def finished(self, name: str, summary: CrawlSummary) -> None:
        if name in self.running:
            self.running.remove(name)
        self.new += summary.new_articles
        self.errors += summary.errors
        self._draw()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        print(file=sys.stderr, flush=True)

    async def _tick(self) -> None:
        while True:
            self._draw()
            await asyncio.sleep(self.EVERY)

    def _draw(self) -> None:
        elapsed = asyncio.get_running_loop().time() - self._started
        done = self.total - len(self.running)
        waiting = ", ".join(self.running[:3]) + (" …" if len(self.running) > 3 else "")
        line = f"crawling [{done}/{self.total}] {elapsed:4.0f}s  {self.new} new"
        line += f", {self.errors} errors" if self.errors else ""
        line += f"  waiting for {waiting}" if waiting else ""
        print(f"\r{line[:100]:<100}", end="", file=sys.stderr, flush=True)


def format_table(summaries: list[CrawlSummary]) -> str:
    """A plain-text table: one line per source, drops and errors spelled out."""
    head = f"{'source':<24} {'requests':>8} {'304':>4} {'new':>5} {'dupes':>5} {'matches':>7} "
    head += f"{'errors':>6}  dropped"
    lines = [head]
    for s in summaries:
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(s.dropped.items())) or "-"
        line = f"{s.source:<24} {s.requests:>8} {s.not_modified:>4} {s.new_articles:>5} "
        line += f"{s.duplicates:>5} {s.matches:>7} {s.errors:>6}  {dropped}"
        if s.error:
            line += f"\n    failed: {s.error}"
        elif s.errors:
            line += f"\n    failed: {s.errors} request(s), see the log; retried on the next run"
        lines.append(line)
    return "\n".join(lines)
