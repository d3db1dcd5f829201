"""Tests of scheduler.store on SQLite and PostgreSQL: articles, dedup, crawl state, matches, outbox.

Every test that touches a database runs once per backend through the ``db_url`` fixture; time is
a settable fake clock so windows and leases are exercised without sleeping.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alerts.model import OutboxStore
from crawler.article_store import ArticleRecord, ArticleStore
from crawler.crawl_summary import CrawlSummary
from crawler.matching.types import Amount, EntityRef, Evidence, Match
from scheduler.errors import StoreError
from scheduler.store import SourceState, Store, normalise_url, open_store
from scheduler.store.schema import articles

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[Store]:
    s = open_store(db_url, clock=clock)
    try:
        yield s
    finally:
        s.close()


def make_article(url: str, *, fingerprint: int = 0x0123_4567_89AB_CDEF, **kw: Any) -> ArticleRecord:
    values: dict[str, Any] = {
        "source": "techcrunch",
        "url": url,
        "fetched_url": url + "?utm_source=rss",
        "title": f"Title of {url}",
        "text": f"Body of {url}",
        "fingerprint": fingerprint,
        "content_hash": "ab" * 32,
        "published": T0 - timedelta(hours=1),
        "authors": ("Ada", "Grace"),
        "language": "en",
        "summary": "summary",
        "discovered_at": T0 - timedelta(minutes=5),
    }
    values.update(kw)
    return ArticleRecord(**values)


def make_match(watchlist: str, score: float, kind: str = "deal") -> Match:
    return Match(
        watchlist=watchlist,
        score=score,
        kind=kind,  # type: ignore[arg-type]
        entities=(EntityRef("Meta", "acquirer"), EntityRef("Scale AI", "target")),
        amounts=(Amount(14.3e9, "USD", "$14.3 billion"),),
        evidence=(Evidence("Meta buys Scale AI for $14.3 billion.", ((0, 4),), "title"),),
        notify=("slack",),
    )


def test_store_implements_both_protocols(store: Store) -> None:
    article_store: ArticleStore = store
    outbox_store: OutboxStore = store
    assert isinstance(article_store, Store) and isinstance(outbox_store, Store)


def test_save_article_round_trip_and_seen(store: Store) -> None:
    result = store.save_article(make_article("https://a.example/1"), [], {})
    assert result.created and result.article_id > 0
    assert result.match_ids == () and result.delivery_ids == ()
    with store.engine.connect() as conn:
        row = conn.execute(select(articles).where(articles.c.id == result.article_id)).one()
    assert row.fetched_url == "https://a.example/1?utm_source=rss"
    assert row.authors == ["Ada", "Grace"]
    assert row.published == T0 - timedelta(hours=1)
    assert row.created_at == T0
    assert store.seen_urls(["https://a.example/1", "https://a.example/2"]) == {
        "https://a.example/1"
    }


def test_save_same_url_again_is_not_created_and_writes_nothing(store: Store) -> None:
    first = store.save_article(make_article("https://a.example/1"), [], {})
    again = store.save_article(
        make_article("https://a.example/1", title="other"),
        [make_match("deals", 0.9)],
        {"deals": ["slack"]},
    )
    assert again.created is False
    assert again.article_id == first.article_id
    assert again.match_ids == () and again.delivery_ids == ()
    counts = store.counts()
    assert counts["articles"] == 1 and counts["matches"] == 0 and counts["deliveries"] == 0


def test_mark_seen_duplicates_and_dropped(store: Store) -> None:
    original = store.save_article(make_article("https://a.example/1"), [], {})
    store.mark_seen(
        "https://b.example/copy", source="b", status="duplicate", article_id=original.article_id
    )
    store.mark_seen("https://b.example/paywall", source="b", status="dropped:paywall")
    store.mark_seen("https://b.example/paywall", source="b", status="dropped:paywall")  # idempotent
    assert store.seen_urls(
        ["https://b.example/copy", "https://b.example/paywall", "https://b.example/new"]
    ) == {"https://b.example/copy", "https://b.example/paywall"}
    counts = store.counts()
    assert counts["article_links"] == 1
    assert counts["seen_urls"] == 3
    assert store.seen_urls([]) == set()


def test_seen_urls_many(store: Store) -> None:
    for i in range(0, 1200, 2):
        store.mark_seen(f"https://x.example/{i}", source="x", status="dropped:short")
    found = store.seen_urls([f"https://x.example/{i}" for i in range(1200)])
    assert len(found) == 600


def test_find_near_duplicate_within_and_over_threshold(store: Store, clock: FakeClock) -> None:
    base = 0x0F0F_F0F0_1234_8765
    a = store.save_article(make_article("https://a.example/1", fingerprint=base), [], {})
    assert store.find_near_duplicate(base, max_distance=0) == a.article_id
    three_bits = base ^ 0b1 ^ (1 << 20) ^ (1 << 40)  # one bit in each of three bands
    assert store.find_near_duplicate(three_bits, max_distance=3) == a.article_id
    assert store.find_near_duplicate(three_bits, max_distance=2) is None
    four_bits = three_bits ^ (1 << 60)  # every band differs: only the full scan finds it
    assert store.find_near_duplicate(four_bits, max_distance=4) == a.article_id
    assert store.find_near_duplicate(four_bits, max_distance=3) is None
    assert store.find_near_duplicate(~base, max_distance=10) is None
    clock.advance(days=31)
    assert store.find_near_duplicate(base, max_distance=3) is None  # outside the window


def test_find_near_duplicate_high_bit_and_closest(store: Store) -> None:
    unsigned = 0xFFFF_0000_FFFF_0001  # > 2**63: stored as signed BIGINT
    signed = unsigned - (1 << 64)
    far = store.save_article(
        make_article("https://a.example/far", fingerprint=signed ^ 0b11), [], {}
    )
    near = store.save_article(make_article("https://a.example/near", fingerprint=unsigned), [], {})
    assert store.find_near_duplicate(signed, max_distance=3) == near.article_id
    assert store.find_near_duplicate(unsigned ^ (1 << 63), max_distance=3) == near.article_id
    assert far.article_id != near.article_id


def test_http_validators_round_trip(store: Store) -> None:
    assert store.get_http_validators("https://a.example/feed") == (None, None)
    store.set_http_validators("https://a.example/feed", '"v1"', "Sat, 01 Nov 2026 10:00:00 GMT")
    assert store.get_http_validators("https://a.example/feed") == (
        '"v1"',
        "Sat, 01 Nov 2026 10:00:00 GMT",
    )
    store.set_http_validators("https://a.example/feed", '"v2"', None)
    assert store.get_http_validators("https://a.example/feed") == ('"v2"', None)
    store.set_http_validators("https://a.example/feed", None, None)
    assert store.get_http_validators("https://a.example/feed") == (None, None)


def test_source_state_round_trip(store: Store) -> None:
    assert store.get_source_state("tc") is None
    state = SourceState(
        name="tc",
        last_run=T0,
        last_success=T0 - timedelta(hours=1),
        last_error="HTTP 503",
        consecutive_failures=2,
        items_seen=40,
        new_articles_total=120,
        last_new_article=T0 - timedelta(hours=2),
        status="failing",
        next_due=T0 + timedelta(minutes=15),
    )
    store.save_source_state(state)
    assert store.get_source_state("tc") == state
    state.consecutive_failures = 0
    state.status = "ok"
    state.last_error = None
    store.save_source_state(state)
    store.save_source_state(SourceState(name="ars"))
    assert store.get_source_state("tc") == state
    assert [s.name for s in store.list_source_states()] == ["ars", "tc"]
    assert store.list_source_states()[0] == SourceState(name="ars")


def test_record_and_list_runs(store: Store) -> None:
    ids = []
    for i in range(4):
        ids.append(
            store.record_run(
                CrawlSummary(
                    source="tc",
                    started=T0 + timedelta(minutes=i),
                    finished=T0 + timedelta(minutes=i, seconds=30),
                    requests=10 + i,
                    not_modified=1,
                    new_articles=i,
                    duplicates=2,
                    errors=0,
                    dropped={"short": i},
                    error=None if i else "boom",
                )
            )
        )
    store.record_run(CrawlSummary(source="other", started=T0, finished=T0))
    assert len(set(ids)) == 4
    runs = store.recent_runs("tc", limit=3)
    assert [r.requests for r in runs] == [13, 12, 11]
    assert runs[0].dropped == {"short": 3}
    assert runs[0].started == T0 + timedelta(minutes=3)
    assert store.recent_runs("tc")[-1].error == "boom"
    assert store.recent_runs("nobody") == []


def test_matches_and_deliveries_saved_together(store: Store, clock: FakeClock) -> None:
    matches = [make_match("deals", 0.7), make_match("hiring", 0.9, "hiring")]
    routes = {"deals": ["slack", "email"], "hiring": ["slack"], "unused": ["webhook"]}
    result = store.save_article(make_article("https://a.example/1"), matches, routes)
    assert len(result.match_ids) == 2
    assert len(result.delivery_ids) == 2  # slack once, email once
    assert store.outbox_counts() == {"pending": 2, "sent": 0, "failed": 0}
    claimed = store.claim_due(now=clock(), lease_until=clock() + timedelta(minutes=1), limit=10)
    by_channel = {d.channel: d for d in claimed}
    assert set(by_channel) == {"slack", "email"}
    slack = by_channel["slack"]
    # Both watchlists are routed to slack: the alert carries both, best first.
    assert [m.watchlist for m in slack.alert.matches] == ["hiring", "deals"]
    assert slack.alert.matches[1] == make_match("deals", 0.7)
    assert [m.watchlist for m in by_channel["email"].alert.matches] == ["deals"]
    assert slack.alert.article_id == result.article_id
    assert slack.alert.url == "https://a.example/1"
    assert slack.alert.published == T0 - timedelta(hours=1)
    assert slack.status == "pending" and slack.attempts == 0
    assert slack.created_at == T0 and slack.next_attempt_at == T0


def test_failed_save_rolls_back_everything(store: Store) -> None:
    broken = Match(watchlist=None, score=0.5, kind="deal")  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="save_article"):
        store.save_article(
            make_article("https://a.example/1"),
            [make_match("deals", 0.9), broken],
            {"deals": ["slack"]},
        )
    assert all(n == 0 for n in store.counts().values())
    assert store.seen_urls(["https://a.example/1"]) == set()
    # The store is still usable and the URL can be saved afterwards.
    assert store.save_article(make_article("https://a.example/1"), [], {}).created


def test_one_delivery_per_article_and_channel(store: Store, clock: FakeClock) -> None:
    routes = {"deals": ["slack"], "hiring": ["slack"]}
    result = store.save_article(
        make_article("https://a.example/1"),
        [make_match("deals", 0.4), make_match("hiring", 0.8, "hiring")],
        routes,
    )
    assert len(result.match_ids) == 2 and len(result.delivery_ids) == 1
    [delivery] = store.list_deliveries("pending")
    assert delivery.alert.matches[0].watchlist == "hiring"
    # A rematch that finds a new watchlist adds the match but never a second slack row.
    more = store.add_matches(
        result.article_id,
        [make_match("hiring", 0.99), make_match("ai-people", 0.95, "hiring")],
        {"ai-people": ["slack", "email"], "hiring": ["slack"]},
    )
    assert len(more.match_ids) == 1 and more.created is False  # hiring already stored
    assert len(more.delivery_ids) == 1  # email only
    assert store.outbox_counts()["pending"] == 2
    claimed = store.claim_due(now=clock(), lease_until=clock() + timedelta(minutes=1), limit=5)
    slack = next(d for d in claimed if d.channel == "slack")
    assert [m.watchlist for m in slack.alert.matches] == ["ai-people", "hiring", "deals"]
    with pytest.raises(StoreError):
        store.add_matches(10**9, [make_match("x", 1.0)], {})


def _pending_rows(store: Store, n: int, clock: FakeClock) -> list[int]:
    ids: list[int] = []
    for i in range(n):
        result = store.save_article(
            make_article(f"https://a.example/{i}"), [make_match("deals", 0.5)], {"deals": ["slack"]}
        )
        ids.extend(result.delivery_ids)
        clock.advance(seconds=1)
    return ids


def test_claim_due_leases(store: Store, clock: FakeClock) -> None:
    ids = _pending_rows(store, 5, clock)
    now = clock()
    first = store.claim_due(now=now, lease_until=now + timedelta(minutes=5), limit=3)
    assert [d.id for d in first] == ids[:3]  # oldest first
    second = store.claim_due(now=now, lease_until=now + timedelta(minutes=5), limit=3)
    assert [d.id for d in second] == ids[3:]
    assert store.claim_due(now=now, lease_until=now + timedelta(minutes=5), limit=3) == []
    # A claimant that died: its lease runs out and the rows are due again.
    later = now + timedelta(minutes=6)
    again = store.claim_due(now=later, lease_until=later + timedelta(minutes=5), limit=10)
    assert sorted(d.id for d in again) == sorted(ids)
    store.release([ids[0], ids[1]])
    released = store.claim_due(now=later, lease_until=later + timedelta(minutes=5), limit=10)
    assert [d.id for d in released] == ids[:2]
    assert store.claim_due(now=later, lease_until=later, limit=0) == []


def test_claim_due_channel_filter_and_future_rows(store: Store, clock: FakeClock) -> None:
    result = store.save_article(
        make_article("https://a.example/1"),
        [make_match("deals", 0.5)],
        {"deals": ["slack", "email"]},
    )
    now = clock()
    [email] = store.claim_due(
        now=now, lease_until=now + timedelta(hours=1), limit=5, channel="email"
    )
    assert email.channel == "email"
    slack_id = next(i for i in result.delivery_ids if i != email.id)
    store.mark_retry(slack_id, next_attempt_at=now + timedelta(minutes=10), error="HTTP 500")
    assert store.claim_due(now=now, lease_until=now + timedelta(minutes=1), limit=5) == []
    later = now + timedelta(minutes=10)
    [slack] = store.claim_due(now=later, lease_until=later + timedelta(minutes=1), limit=5)
    assert slack.id == slack_id and slack.attempts == 1 and slack.last_error == "HTTP 500"


def test_mark_sent_failed_retry_and_counts(store: Store, clock: FakeClock) -> None:
    ids = _pending_rows(store, 4, clock)
    now = clock()
    store.claim_due(now=now, lease_until=now + timedelta(minutes=1), limit=4)
    store.mark_sent(ids[0], now=now)
    store.mark_sent(ids[1], now=now - timedelta(hours=2))
    store.mark_failed(ids[2], now=now, error="channel_not_found")
    store.mark_retry(ids[3], next_attempt_at=now + timedelta(minutes=1), error="timeout")
    assert store.outbox_counts() == {"pending": 1, "sent": 2, "failed": 1}
    assert store.sent_count_since("slack", now - timedelta(hours=1)) == 1
    assert store.sent_count_since("slack", now - timedelta(hours=3)) == 2
    assert store.sent_count_since("email", now - timedelta(hours=3)) == 0
    [failed] = store.list_deliveries("failed")
    assert failed.id == ids[2] and failed.attempts == 1 and failed.last_error == "channel_not_found"
    sent = store.list_deliveries("sent")
    assert {d.id for d in sent} == {ids[0], ids[1]}
    assert all(d.sent_at is not None and d.attempts == 1 for d in sent)
    assert store.list_deliveries("sent", limit=1)[0].id in {ids[0], ids[1]}
    with pytest.raises(StoreError):
        store.mark_sent(10**9, now=now)
    # Manual retry: failed rows become pending and due now.
    assert store.retry_failed([ids[0]]) == 0  # sent, not failed
    assert store.retry_failed() == 1
    assert store.outbox_counts() == {"pending": 2, "sent": 2, "failed": 0}
    store.mark_failed(ids[2], now=now, error="again")
    assert store.retry_failed([ids[2]]) == 1
    due = store.claim_due(now=clock(), lease_until=clock() + timedelta(minutes=1), limit=5)
    assert [d.id for d in due] == [ids[2]]


def test_list_matches_filters(store: Store, clock: FakeClock) -> None:
    store.save_article(make_article("https://a.example/old"), [make_match("deals", 0.5)], {})
    clock.advance(days=2)
    new = store.save_article(
        make_article("https://a.example/new", published=None),
        [make_match("deals", 0.6), make_match("hiring", 0.7, "hiring")],
        {},
    )
    since = clock() - timedelta(days=1)
    recent = store.list_matches(since)
    assert {m.match.watchlist for m in recent} == {"deals", "hiring"}
    assert all(m.article_id == new.article_id and m.published is None for m in recent)
    assert all(m.created_at == clock() for m in recent)
    [deal] = store.list_matches(since, watchlist="deals")
    assert deal.match == make_match("deals", 0.6)
    assert deal.url == "https://a.example/new" and deal.source == "techcrunch"
    assert len(store.list_matches(T0 - timedelta(days=1), watchlist="deals")) == 2
    assert len(store.list_matches(T0 - timedelta(days=1), limit=1)) == 1
    assert store.list_matches(since, watchlist="nobody") == []


def test_articles_since_pages(store: Store, clock: FakeClock) -> None:
    store.save_article(make_article("https://a.example/old"), [], {})
    clock.advance(days=1)
    for i in range(505):
        store.save_article(make_article(f"https://a.example/{i}"), [], {})
    rows = list(store.articles_since(clock() - timedelta(hours=1)))
    assert len(rows) == 505
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert rows[0][1] == "Title of https://a.example/0" and rows[0][3] == "techcrunch"


def test_purge(store: Store, clock: FakeClock) -> None:
    routes = {"deals": ["slack"]}
    sent = store.save_article(
        make_article("https://a.example/sent"), [make_match("deals", 1)], routes
    )
    pending = store.save_article(
        make_article("https://a.example/pending"), [make_match("deals", 1)], routes
    )
    store.mark_seen(
        "https://b.example/dup", source="b", status="duplicate", article_id=sent.article_id
    )
    store.record_run(CrawlSummary(source="tc", started=T0, finished=T0))
    store.mark_sent(sent.delivery_ids[0], now=clock())
    clock.advance(days=100)
    fresh = store.save_article(make_article("https://a.example/fresh"), [], {})
    # The sent article's story goes unless the kept pending article shares it.
    shared = sent.story_id == pending.story_id
    removed = store.purge(clock() - timedelta(days=90))
    assert removed.pop("story_keys") > 0  # keys of the 100-day-old articles: past the window
    assert removed == {
        "stories": 0 if shared else 1,
        "deliveries": 1,
        "matches": 1,
        "article_links": 1,
        "articles": 1,
        "seen_urls": 0,
        "crawl_runs": 1,
        "feedback": 0,
        "holds": 0,
    }
    counts = store.counts()
    assert counts["articles"] == 2  # pending alert kept, fresh kept
    assert store.outbox_counts() == {"pending": 1, "sent": 0, "failed": 0}
    # Purged URLs stay seen so the crawler does not fetch them again.
    assert store.seen_urls(["https://a.example/sent", "https://b.example/dup"]) == {
        "https://a.example/sent",
        "https://b.example/dup",
    }
    removed = store.purge(clock() - timedelta(days=90), seen_before=clock() - timedelta(days=90))
    assert removed["seen_urls"] == 2 and removed["articles"] == 0
    assert store.seen_urls(["https://a.example/sent", "https://a.example/pending"]) == {
        "https://a.example/pending"
    }
    assert fresh.article_id and pending.article_id


def test_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="naive datetime"):
        store.claim_due(now=datetime(2026, 1, 1), lease_until=datetime(2026, 1, 2), limit=1)


def test_concurrent_claims_from_threads(db_url: str, clock: FakeClock) -> None:
    with open_store(db_url, clock=clock) as store:
        ids = _pending_rows(store, 30, clock)
        now = clock()
        claimed: list[list[int]] = [[], [], [], []]
        errors: list[BaseException] = []
        barrier = threading.Barrier(4)

        def worker(slot: int) -> None:
            try:
                barrier.wait()
                while True:
                    got = store.claim_due(now=now, lease_until=now + timedelta(hours=1), limit=2)
                    if not got:
                        return
                    claimed[slot].extend(d.id for d in got)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        every = [i for part in claimed for i in part]
        assert sorted(every) == sorted(ids)  # each row claimed exactly once


@pytest.mark.e2e
def test_concurrent_claims_from_two_processes(
    db_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    with open_store(db_url, clock=clock) as store:
        ids = _pending_rows(store, 40, clock)
        now = clock()
        script = textwrap.dedent(
            f"""
            from datetime import datetime, timedelta
            from scheduler.store import open_store
            now = datetime.fromisoformat({now.isoformat()!r})
            got = []
            with open_store({db_url!r}) as store:
                while batch := store.claim_due(now=now, lease_until=now + timedelta(hours=1),
                                               limit=1):
                    got.extend(d.id for d in batch)
            print(" ".join(map(str, got)))
            """
        )
        child = subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        mine: list[int] = []
        while batch := store.claim_due(now=now, lease_until=now + timedelta(hours=1), limit=1):
            mine.extend(d.id for d in batch)
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        theirs = [int(x) for x in out.split()]
        assert sorted(mine + theirs) == sorted(ids)


def test_open_store_requires_schema_when_not_creating(db_url: str) -> None:
    with pytest.raises(StoreError, match="no newswatch schema"):
        open_store(db_url, create=False)
    open_store(db_url).close()
    with open_store(db_url, create=False) as store:
        assert store.outbox_counts() == {"pending": 0, "sent": 0, "failed": 0}
        if store.backend == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_normalise_url(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


def test_bad_urls_raise_store_error() -> None:
    with pytest.raises(StoreError, match="unsupported"):
        open_store("mysql://u@h/db")
    with pytest.raises(StoreError, match="invalid database URL"):
        open_store("not a url")


def test_unreachable_server_raises_store_error_without_password() -> None:
    with pytest.raises(StoreError, match="cannot open database") as info:
        open_store("postgresql://postgres:s3cret@127.0.0.1:1/test?connect_timeout=2")
    assert "s3cret" not in str(info.value)


def test_racing_saves_of_one_url_create_one_article(db_url: str, clock: FakeClock) -> None:
    with open_store(db_url, clock=clock) as store:
        barrier = threading.Barrier(4)
        results: list[Any] = []

        def save() -> None:
            barrier.wait()
            results.append(
                store.save_article(
                    make_article("https://a.example/race"),
                    [make_match("deals", 0.9)],
                    {"deals": ["slack"]},
                )
            )

        threads = [threading.Thread(target=save) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 4
        assert sum(r.created for r in results) == 1
        assert len({r.article_id for r in results}) == 1
        assert store.counts()["deliveries"] == 1


def test_record_crawls_writes_runs_and_states_in_one_go(store: Store) -> None:
    store.save_source_state(SourceState(name="tc", consecutive_failures=2, status="failing"))
    ok = CrawlSummary(source="tc", started=T0, finished=T0 + timedelta(seconds=1), not_modified=1)
    failed = CrawlSummary(source="new", started=T0, finished=T0, errors=1, error="HTTP 503")
    again = CrawlSummary(source="new", started=T0, finished=T0 + timedelta(seconds=5), error="x")
    states = store.record_crawls([ok, failed, again])
    assert [s.name for s in states] == ["tc", "new", "new"]
    assert states[0].consecutive_failures == 0 and states[0].last_success == ok.finished
    assert states[0].status == "failing"  # health decides that, not the bookkeeping
    assert states[1].consecutive_failures == 1 and states[2].consecutive_failures == 2
    assert store.get_source_state("tc") == states[0]
    assert store.get_source_state("new") == states[2]
    assert [r.error for r in store.recent_runs("new")] == ["x", "HTTP 503"]
    assert store.record_crawl(ok) == store.get_source_state("tc")
    assert len(store.recent_runs("tc")) == 2
    assert store.record_crawls([]) == []


def test_validators_of_many_urls_in_one_query(store: Store) -> None:
    store.set_http_validators("https://a.example/feed", '"a"', None)
    store.set_http_validators("https://b.example/feed", None, "Sat, 01 Nov 2026 10:00:00 GMT")
    urls = ["https://a.example/feed", "https://b.example/feed", "https://c.example/feed"]
    assert store.get_http_validators_many(urls) == {
        "https://a.example/feed": ('"a"', None),
        "https://b.example/feed": (None, "Sat, 01 Nov 2026 10:00:00 GMT"),
    }
    many = [f"https://x.example/{i}" for i in range(1200)] + urls  # past one IN list
    assert len(store.get_http_validators_many(many)) == 2
