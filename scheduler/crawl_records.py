"""Write the bookkeeping of crawls that finish together in one transaction.

The sources of a batch crawl (:class:`crawler.crawl_runner.BatchCrawls`) finish at the same moment,
and each one's job then records its run and its new state. Recorded one by one, a batch of 304s
costs a write transaction per source -- as much CPU as the polls themselves. A
:class:`CrawlRecorder` collects the records that arrive in one turn of the event loop and writes
them with one :meth:`~scheduler.store.crawl_state.CrawlStateTables.record_crawls` in a worker
thread; each caller still gets its own source's state, or the store's error.
"""

from __future__ import annotations

import asyncio

from crawler.crawl_summary import CrawlSummary
from scheduler.store import SourceState, Store


class CrawlRecorder:
    """Records crawls in the store, those arriving together in one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[tuple[CrawlSummary, asyncio.Future[SourceState]]] = []
        self._writes: set[asyncio.Task[None]] = set()

    async def record(self, summary: CrawlSummary) -> SourceState:
        """Record ``summary`` and return its source's new state."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[SourceState] = loop.create_future()
        if not self._pending:
            # After the other jobs woken with this one (same batch) have queued their records.
            loop.call_soon(self._flush)
        self._pending.append((summary, future))
        return await future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.ensure_future(self._write(batch))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    async def _write(self, batch: list[tuple[CrawlSummary, asyncio.Future[SourceState]]]) -> None:
        try:
            states = await asyncio.to_thread(self.store.record_crawls, [s for s, _ in batch])
        except BaseException as exc:  # every caller hears of it; none is left waiting
            for _summary, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_summary, future), state in zip(batch, states, strict=True):
            if not future.done():
                future.set_result(state)
