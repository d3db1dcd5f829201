"""Retention in small transactions, and indexes that reach databases created before them.

Runs on SQLite and PostgreSQL (``db_url``). Transactions are counted with SQLAlchemy's ``commit``
event: a purge must commit once per batch and still report what one big purge reported.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, inspect, text

from crawler.crawl_summary import CrawlSummary
from scheduler.store import Store, open_store
from scheduler.store.schema import metadata
from tests.scheduler.test_store import T0, FakeClock, make_article, make_match


def _fill(store: Store, clock: FakeClock, n: int) -> list[int]:
    """``n`` articles, every one matched and its delivery sent, with a duplicate link each."""
    ids = []
    for i in range(n):
        saved = store.save_article(
            make_article(f"https://a.example/{i}"), [make_match("deals", 0.9)], {"deals": ["s"]}
        )
        store.mark_sent(saved.delivery_ids[0], now=clock())
        store.mark_seen(
            f"https://b.example/{i}", source="b", status="duplicate", article_id=saved.article_id
        )
        store.record_run(CrawlSummary(source="tc", started=clock(), finished=clock()))
        ids.append(saved.article_id)
    return ids


def _count_commits(store: Store) -> list[int]:
    commits = [0]

    def on_commit(_conn: Any) -> None:
        commits[0] += 1

    event.listen(store.engine, "commit", on_commit)
    return commits


def test_purge_commits_one_batch_at_a_time(db_url: str) -> None:
    clock = FakeClock(T0)
    with open_store(db_url, clock=clock) as store:
        _fill(store, clock, 7)
        kept = store.save_article(
            make_article("https://a.example/pending"), [make_match("deals", 0.9)], {"deals": ["s"]}
        )
        clock.advance(days=100)
        fresh = store.save_article(make_article("https://a.example/fresh"), [], {})
        commits = _count_commits(store)
        removed = store.purge(clock() - timedelta(days=90), seen_before=clock(), batch=2)
        assert removed == {
            "deliveries": 7,
            "matches": 7,
            "article_links": 7,
            "articles": 7,
            "seen_urls": 14,  # the purged articles' URLs and their duplicates, first seen before
            "crawl_runs": 7,
            "stories": 1,  # the seven's story; the pending article's holds on
            "story_keys": 20,  # the pending article's keys, past the story window
            "feedback": 0,
            "holds": 0,
        }
        # Articles: 4 batches (2+2+2+1, the pending one skipped); seen URLs: 14 in 8 batches
        # (the last one finds none); crawl runs: 4; stories: 2 (two old, then none); story
        # keys: 1 (fewer than a batch's worth); holds and feedback: 1 each (none).
        assert commits[0] == 4 + 8 + 4 + 2 + 1 + 2
        counts = store.counts()
        assert counts["articles"] == 2 and counts["matches"] == 1 and counts["deliveries"] == 1
        assert store.seen_urls(["https://a.example/pending", "https://a.example/fresh"]) == {
            "https://a.example/pending",
            "https://a.example/fresh",
        }
        assert kept.article_id and fresh.article_id
        again = store.purge(clock() - timedelta(days=90), seen_before=clock(), batch=2)
        assert not any(again.values())


def test_purge_keeps_urls_seen_without_seen_before(db_url: str) -> None:
    clock = FakeClock(T0)
    with open_store(db_url, clock=clock) as store:
        _fill(store, clock, 5)
        clock.advance(days=100)
        removed = store.purge(clock() - timedelta(days=90), batch=3)
        assert removed["articles"] == 5 and removed["seen_urls"] == 0
        assert len(store.seen_urls([f"https://a.example/{i}" for i in range(5)])) == 5


@pytest.mark.parametrize("batch", [0, 501])
def test_purge_refuses_a_batch_out_of_bounds(db_url: str, batch: int) -> None:
    with open_store(db_url) as store, pytest.raises(ValueError, match="batch"):
        store.purge(T0, batch=batch)


def _index_names(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        found = inspect(conn)
        return {str(ix["name"]) for table in metadata.tables for ix in found.get_indexes(table)}


def test_opening_an_older_database_adds_the_missing_indexes(db_url: str) -> None:
    wanted = {str(ix.name) for table in metadata.tables.values() for ix in table.indexes}
    added = {"ix_seen_urls_article_id", "ix_deliveries_match_id", "ix_crawl_runs_started"}
    assert added <= wanted
    clock = FakeClock(T0)
    with open_store(db_url, clock=clock) as store:
        _fill(store, clock, 2)
        with store.engine.begin() as conn:
            for name in sorted(added):
                conn.execute(text(f"DROP INDEX {name}"))
        assert not added & _index_names(store)
    with open_store(db_url, clock=clock) as store:
        assert wanted <= _index_names(store)
        assert store.counts()["articles"] == 2  # nothing lost on the way
    with open_store(db_url, clock=clock) as store:  # and opening again changes nothing
        assert wanted <= _index_names(store)
