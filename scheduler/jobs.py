"""The service's jobs: plain async functions of (runtime, source) that need no scheduler.

The daemon wires them to triggers; ``newswatch crawl --once`` calls :func:`crawl_once` directly.
Keeping them plain is what lets them move onto workers later by changing the executor, not the
code. Each job records what it did in the store (crawl runs, source state) through a worker thread.
"""

from __future__ import annotations

import asyncio
import logging

from crawler.crawl_summary import CrawlSummary
from crawler.sources import Source
from scheduler.runtime import Runtime
from scheduler.store import SourceState, Store

logger = logging.getLogger(__name__)


async def crawl_once(runtime: Runtime, source: Source, *, dry_run: bool = False) -> CrawlSummary:
    """Crawl ``source`` once, store what is new, and record the run and the source's state."""
    summary, _state = await crawl_and_record(runtime, source, dry_run=dry_run)
    return summary


async def crawl_and_record(
    runtime: Runtime, source: Source, *, dry_run: bool = False
) -> tuple[CrawlSummary, SourceState | None]:
    """:func:`crawl_once`, also returning the source's new state (None: not recorded)."""
    summary = await runtime.batches(dry_run=dry_run).crawl(source)
    state = None
    if not dry_run:
        try:
            if runtime.recorder is not None:
                state = await runtime.recorder.record(summary)
            else:
                state = await asyncio.to_thread(record_crawl, runtime.store, summary)
        except Exception as exc:  # the articles are stored; only the bookkeeping is lost
            logger.error("could not record the crawl of %s: %s", source.name, exc)
    return summary, state


def record_crawl(store: Store, summary: CrawlSummary) -> SourceState:
    """Write the crawl run and update the source's state (one transaction); return the state."""
    return store.record_crawl(summary)
