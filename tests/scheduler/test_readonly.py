"""The read-only path of ``status`` and ``matches`` reads what the SQLAlchemy store reads.

One database, SQLite and PostgreSQL, filled through the store (source states, crawl runs,
articles with matches, deliveries pending, sent and failed, stories); then every read of
:class:`scheduler.store.readonly.ReadOnlyStore` must equal the store's own. A database not made
yet reads as empty (and stays unmade), another schema version is the store's error, and database
URLs are parsed and shown as SQLAlchemy does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.engine import make_url

from alerts.feedback import FeedbackEvent
from crawler.crawl_summary import CrawlSummary
from scheduler.errors import StoreError
from scheduler.store import SCHEMA_VERSION, SourceState, Store, normalise_url, open_store
from scheduler.store.dburl import parse_db_url, redact_db_url
from scheduler.store.readonly import ReadOnlyStore, open_readonly
from scheduler.store.schema import schema_version
from tests.scheduler.test_store import T0, FakeClock, make_article, make_match


@pytest.fixture
def filled(db_url: str) -> Iterator[Store]:
    """A store with two sources' states and runs, and six matched articles in three stories."""
    clock = FakeClock()
    store = open_store(db_url, clock=clock)
    store.configure_stories(updates={"slack": "thread", "email": "new"})
    try:
        for i in range(6):
            clock.advance(minutes=7)
            store.save_article(
                make_article(f"https://a.example/{i}", fingerprint=0x1111 * (i + 1)),
                [make_match("deals", 0.5 + i / 20), make_match(f"team-{i % 2}", 0.9, "hiring")],
                {"deals": ["slack", "email"], "team-0": ["slack"], "team-1": ["webhook"]},
            )
        store.save_article(make_article("https://a.example/plain"), [], {})
        for n in range(7):
            store.record_crawls(
                [
                    CrawlSummary(
                        source=name,
                        started=T0 + timedelta(minutes=n),
                        finished=T0 + timedelta(minutes=n, seconds=40),
                        requests=3 + n,
                        new_articles=n % 3,
                        dropped={"short": n} if n % 2 else {},
                        error="HTTP 503" if name == "down" and n > 3 else None,
                    )
                    for name in ("wire", "down")
                ]
            )
        store.save_source_state(SourceState(name="idle", last_run=T0, status="ok"))
        claimed = store.claim_due(now=clock(), lease_until=clock() + timedelta(minutes=1), limit=4)
        for k, delivery in enumerate(claimed):
            if k % 2:
                store.mark_failed(delivery.id, now=clock.advance(seconds=1), error=f"boom {k}")
            else:
                store.mark_sent(delivery.id, now=clock.advance(seconds=1))
        yield store
    finally:
        store.close()


def test_both_paths_read_the_same(filled: Store, db_url: str) -> None:
    with open_readonly(db_url) as light:
        assert light.list_source_states() == filled.list_source_states()
        assert [s.name for s in light.list_source_states()] == ["down", "idle", "wire"]
        for name in ("wire", "down", "idle", "nobody"):
            for limit in (1, 5, 20):
                assert light.recent_runs(name, limit=limit) == filled.recent_runs(name, limit=limit)
        assert light.recent_runs("wire", limit=5)[1].dropped == {"short": 5}
        assert light.outbox_counts() == filled.outbox_counts()
        assert filled.outbox_counts()["failed"] == 2
        failed = [
            (d.id, d.channel, d.last_error, d.alert.title)
            for d in filled.list_deliveries("failed", 20)
        ]
        assert [(d.id, d.channel, d.last_error, d.title) for d in light.list_failed(20)] == failed
        assert [d.id for d in light.list_failed(1)] == [failed[0][0]]
        for since in (T0 - timedelta(days=1), T0 + timedelta(minutes=21), T0 + timedelta(days=1)):
            for watchlist in (None, "deals", "team-1", "nobody"):
                for limit in (2, 200):
                    assert light.list_matches(since, watchlist, limit) == filled.list_matches(
                        since, watchlist, limit
                    ), (since, watchlist, limit)
        # The boundary itself: a match stored at ``since`` is in, on both backends.
        at = filled.list_matches(T0 - timedelta(days=1))[-1].created_at
        assert [m.match_id for m in light.list_matches(at)] == [
            m.match_id for m in filled.list_matches(at)
        ]
        matched = [m.article_id for m in filled.list_matches(T0 - timedelta(days=1))]
        ids = [*matched, 10_000]
        assert light.story_of_articles(ids) == filled.story_of_articles(ids)
        assert light.story_of_articles(ids)  # there are stories to find
        assert light.story_of_articles([]) == {}


def test_both_paths_read_the_same_holds(filled: Store, db_url: str) -> None:
    """Readers' mutes and snoozes (``status``, ``mutes``), and the alerts each put off."""
    sent = filled.list_deliveries("sent", 20)
    at = sent[0].sent_at
    assert at is not None
    made = []
    for k, (action, party) in enumerate(
        [("mute", "Meta"), ("snooze", None), ("mute", "Scale AI"), ("mute", "Gone")]
    ):
        event = FeedbackEvent(action, sent[0].id, sent[0].channel, "U1", "Ann", at, party)  # type: ignore[arg-type]
        outcome = filled.record_feedback(event, mute_for=timedelta(days=k + 1))
        assert outcome is not None and outcome.hold is not None
        made.append(outcome.hold)
    assert filled.lift_hold(made[3].id, now=at)
    pending = filled.list_deliveries("pending", 20)
    filled.hold_deliveries([(pending[0].id, made[0]), (pending[1].id, made[0])])
    with open_readonly(db_url) as light:
        for now in (at, at + timedelta(days=1, hours=12), at + timedelta(days=9)):
            for channel in (None, sent[0].channel, "nobody"):
                assert light.active_holds(now, channel) == filled.active_holds(
                    now=now, channel=channel
                )
        assert [h.id for h in light.active_holds(at)] == [h.id for h in made[:3]]
        assert light.held_counts([h.id for h in made]) == {made[0].id: 2}
        assert light.held_counts([]) == {}


def test_a_database_not_made_yet_reads_as_empty_and_stays_unmade(tmp_path: Path) -> None:
    path = tmp_path / "data" / "newswatch.db"
    for url in (f"sqlite:///{path}", "sqlite://", "sqlite:///:memory:"):
        with open_readonly(url) as light:
            _assert_empty(light)
    assert not path.parent.exists()
    # A file without the schema (made by hand, or empty) is no different.
    path.parent.mkdir()
    sqlite3.connect(path).close()
    with open_readonly(f"sqlite:///{path}") as light:
        _assert_empty(light)


def test_an_empty_postgresql_schema_reads_as_empty(db_url: str) -> None:
    with open_readonly(db_url) as light:
        _assert_empty(light)


@pytest.mark.parametrize("revision", ["behind", "ahead"])
def test_another_schema_revision_is_the_stores_error(db_url: str, revision: str) -> None:
    store = open_store(db_url)
    with store.engine.begin() as conn:
        if revision == "behind":  # as the last release before migrations left it
            conn.execute(text("DROP TABLE alembic_version"))
            conn.execute(update(schema_version).values(version=SCHEMA_VERSION - 1))
        else:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError) as theirs:
        open_store(db_url).close()
    with pytest.raises(StoreError) as ours:
        open_readonly(db_url).close()
    assert str(ours.value) == str(theirs.value)
    expected = "newswatch db upgrade" if revision == "behind" else "does not know"
    assert expected in str(ours.value)


def test_a_file_that_is_no_database_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "newswatch.db"
    path.write_text("not a database, " * 100)
    with pytest.raises(StoreError, match=r"^cannot open database sqlite:///.*: "):
        open_readonly(f"sqlite:///{path}").close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_sqlite_url_with_options_reads_the_same(filled: Store, db_url: str) -> None:
    with open_readonly(db_url + "?timeout=5") as light:
        assert light.outbox_counts() == filled.outbox_counts()
        assert light.list_source_states() == filled.list_source_states()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p%40ss@h:5432/db?b=1&a=2&sslmode=require&a=0",
        "postgres://us%20er:pw@h/db",
        "postgresql+psycopg://h/db?options=-csearch_path%3Dx",
        "postgresql://[::1]:5432/db",
        "postgresql:///db?host=/tmp",
        "postgresql://u:@h/db",
        "sqlite:///rel/x.db",
        "sqlite:////abs/x y.db",
        "sqlite:///x%20y.db",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite+pysqlite:///a?mode=ro&uri=true",
        "mysql://x/y",
    ],
)
def test_urls_are_read_and_shown_as_sqlalchemy_does(url: str) -> None:
    theirs, ours = make_url(url), parse_db_url(url)
    assert ours.redacted() == theirs.render_as_string(hide_password=True)
    assert redact_db_url(url) == theirs.render_as_string(hide_password=True)
    assert (ours.username, ours.password, ours.host, ours.port, ours.database) == (
        theirs.username,
        theirs.password,
        theirs.host,
        theirs.port,
        theirs.database,
    )
    repeated: dict[str, list[str]] = {}
    for key, value in ours.query:
        repeated.setdefault(key, []).append(value)
    assert repeated == {k: [v] if isinstance(v, str) else list(v) for k, v in theirs.query.items()}
    try:  # the store sends ``postgres://`` to psycopg, and refuses other backends
        backend = normalise_url(url).get_backend_name()
    except StoreError:
        backend = theirs.get_backend_name()
    assert ours.backend == backend


def _assert_empty(light: ReadOnlyStore) -> None:
    assert light.list_source_states() == []
    assert light.recent_runs("wire") == []
    assert light.outbox_counts() == {"pending": 0, "sent": 0, "failed": 0}
    assert light.list_failed() == []
    assert light.list_matches(T0 - timedelta(days=999)) == []
    assert light.story_of_articles([1, 2]) == {}
    assert light.active_holds(T0) == []
