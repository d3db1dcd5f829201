"""Crawls that finish together are recorded in one transaction; each job gets its own state."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.crawl_summary import CrawlSummary
from scheduler.crawl_records import CrawlRecorder
from scheduler.errors import StoreError
from scheduler.store import SourceState, Store, open_store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class CountingStore(Store):
    """The real store, counting its ``record_crawls`` calls (one per transaction)."""

    calls: list[int]

    def record_crawls(self, runs: Sequence[CrawlSummary]) -> list[SourceState]:
        self.calls.append(len(runs))
        return super().record_crawls(runs)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'n.db'}")
    try:
        yield s
    finally:
        s.close()


async def test_a_batch_of_crawls_is_one_transaction(store: Store) -> None:
    store.__class__ = CountingStore
    store.calls = []  # type: ignore[attr-defined]
    recorder = CrawlRecorder(store)
    summaries = [CrawlSummary(f"s{i}", T0, T0, not_modified=1) for i in range(6)]
    summaries[2].error = "HTTP 503"
    states = await asyncio.gather(*(recorder.record(s) for s in summaries))
    assert store.calls == [6]  # type: ignore[attr-defined]
    assert [s.name for s in states] == [f"s{i}" for i in range(6)]
    assert states[2].consecutive_failures == 1 and states[0].last_success == T0
    assert [s.name for s in store.list_source_states()] == [f"s{i}" for i in range(6)]
    # Later crawls are a transaction of their own.
    await recorder.record(CrawlSummary("s0", T0, T0))
    assert store.calls == [6, 1]  # type: ignore[attr-defined]


async def test_every_caller_hears_of_a_store_failure(store: Store, tmp_path: Path) -> None:
    recorder = CrawlRecorder(store)
    with sqlite3.connect(tmp_path / "n.db") as db:  # a broken database, for real
        db.execute("DROP TABLE crawl_runs")
    results = await asyncio.gather(
        *(recorder.record(CrawlSummary(f"s{i}", T0, T0)) for i in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(r, StoreError) for r in results), results
