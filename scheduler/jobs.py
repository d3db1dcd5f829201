"""The service's jobs: plain async functions of (runtime, source) that need no scheduler.

The daemon wires them to triggers; ``newswatch crawl --once`` calls :func:`crawl_once` directly.
Keeping them plain is what lets them move onto workers later by changing the executor, not the
code. Each job records what it did in the store (crawl runs, source state) through a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from crawler.matching import Matcher
from crawler.pipelines.dedupe import InFlightArticles
from crawler.records import SourceState
from crawler.run import BatchCrawls, CrawlSummary, build_settings, make_runner
from crawler.sources import Source
from scheduler.config import Config
from scheduler.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Runtime:
    """The config in force and the long-lived objects built from it."""

    config: Config
    store: Store
    matcher: Matcher
    executor: Executor | None = None
    overrides: Mapping[str, Any] | None = None  # extra Scrapy settings (tests, demo)
    # Articles on their way to the store, shared by concurrent crawls (kept across reloads).
    in_flight: InFlightArticles = field(default_factory=InFlightArticles, compare=False)
    # Crawl batchers by dry-run flag, built on first use (building a runner loads the spiders).
    _batches: dict[bool, BatchCrawls] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def batches(self, *, dry_run: bool = False) -> BatchCrawls:
        """The batcher that crawls this config's sources (one Scrapy crawl per batch)."""
        if dry_run not in self._batches:
            settings = build_settings(
                self.config.crawl,
                store=self.store,
                matcher=self.matcher,
                routes=self.config.routes(),
                dry_run=dry_run,
                executor=self.executor,
                in_flight=self.in_flight,
                overrides=self.overrides,
            )
            self._batches[dry_run] = BatchCrawls(
                make_runner(settings),
                max_concurrent=self.config.service.max_concurrent_crawls,
            )
        return self._batches[dry_run]

    def cancel_crawls(self) -> None:
        """Cancel the crawls still running (shutdown, after the grace period)."""
        for batches in self._batches.values():
            batches.cancel()

    def close(self) -> None:
        """Stop the extraction pool and close the store."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        self.store.close()


async def crawl_once(runtime: Runtime, source: Source, *, dry_run: bool = False) -> CrawlSummary:
    """Crawl ``source`` once, store what is new, and record the run and the source's state."""
    summary = await runtime.batches(dry_run=dry_run).crawl(source)
    if not dry_run:
        try:
            await asyncio.to_thread(record_crawl, runtime.store, summary)
        except Exception as exc:  # the articles are stored; only the bookkeeping is lost
            logger.error("could not record the crawl of %s: %s", source.name, exc)
    return summary


def record_crawl(store: Store, summary: CrawlSummary) -> SourceState:
    """Write the crawl run and update the source's state; return the new state."""
    store.record_run(summary.run_record())
    state = store.get_source_state(summary.source) or SourceState(name=summary.source)
    state.last_run = summary.finished
    if summary.ok:
        state.last_success = summary.finished
        state.consecutive_failures = 0
        state.last_error = None
        if summary.not_modified == 0:
            state.items_seen = summary.entries
            if summary.entries:
                state.last_items_at = summary.finished
    else:
        state.consecutive_failures += 1
        state.last_error = summary.error
    if summary.new_articles:
        state.new_articles_total += summary.new_articles
        state.last_new_article = summary.finished
    store.save_source_state(state)
    return state


def make_extract_executor(workers: int | None = None) -> Executor:
    """A process pool for extraction, so it uses every core and never holds the loop's GIL.

    ``forkserver`` rather than ``fork``: forking a process that runs a reactor and threads can copy
    held locks into the child.
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1,
        mp_context=multiprocessing.get_context("forkserver"),
    )
