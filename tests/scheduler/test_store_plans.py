"""Every query the store issues must reach a large table through an index: checked on its plan.

The test calls every public method of :class:`~scheduler.store.Store` against a real database
(SQLite and PostgreSQL, through ``db_url``), records the SQL each one sends with SQLAlchemy's
``before_cursor_execute`` event, and asks the database for the plan of each statement with the
same parameters: SQLite's ``EXPLAIN QUERY PLAN`` (without ``ANALYZE`` statistics it plans as if
every table were big), PostgreSQL's ``EXPLAIN`` with ``enable_seqscan`` off (so a sequential scan
means no index can serve the query, whatever the table's size). A full pass over a large table
fails: ``SCAN t`` or an automatic index on SQLite, ``Seq Scan on t`` or an index walked without a
condition on its leading column on PostgreSQL. Deleting a parent row makes the database look up
its children through every foreign key, a lookup no plan shows, so those lookups are explained as
queries of their own. New SQL in an existing method is covered by itself; a new method fails
:func:`test_every_store_method_is_exercised` until it is added to :func:`_exercise`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, LargeBinary, event
from sqlalchemy.engine import Engine

from alerts.feedback import FeedbackEvent
from crawler.crawl_summary import CrawlSummary
from scheduler.store import SourceState, Store, open_store
from scheduler.store.schema import UTCDateTime, metadata
from tests.scheduler.test_store import T0, FakeClock, make_article, make_match

# Tables that stay small whatever the volume: one row per configured source, one version row.
SMALL_TABLES = frozenset({"schema_version", "sources"})
LARGE_TABLES = frozenset(metadata.tables) - SMALL_TABLES

# Methods whose job is to count whole tables: they may walk an index from end to end (never the
# table itself). ``outbox_counts`` feeds ``status`` and the outbox gauge; retention bounds it.
COUNTING_METHODS = frozenset({"counts", "outbox_counts"})

# Rows given to each large table before PostgreSQL plans (SQLite plans without statistics as if
# every table were large, which is also how the service runs it: it never runs ANALYZE).
PG_FILL_ROWS = 20_000

# Public methods that send no SQL of their own.
# Settings and lookups in memory: they send no SQL.
NOT_QUERIES = frozenset({"close", "configure_stories", "update_mode"})


@dataclass(frozen=True)
class Issued:
    """One statement a store method sent, with the parameters it was sent with."""

    method: str
    statement: str
    parameters: Any


class Recorder:
    """Records the statements sent on an engine, tagged with the store method being called."""

    def __init__(self, engine: Engine) -> None:
        self.issued: list[Issued] = []
        self.called: set[str] = set()
        self._method: str | None = None
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        if self._method is None:
            return
        if many and parameters:
            parameters = parameters[0]
        self.issued.append(Issued(self._method, statement, parameters))

    @contextmanager
    def calling(self, method: str) -> Iterator[None]:
        self.called.add(method)
        self._method = method
        try:
            yield
        finally:
            self._method = None


def _exercise(store: Store, clock: FakeClock, rec: Recorder) -> None:
    """Call every public store method the way the service and the command line do."""
    routes = {"deals": ["slack", "email"], "hiring": ["slack"]}
    with rec.calling("ensure_schema"):
        store.ensure_schema()
    with rec.calling("schema_revision"):
        assert store.schema_revision().at_head
    with rec.calling("upgrade_schema"):
        assert store.upgrade_schema().at_head
    with rec.calling("probe"):
        assert store.probe() is None
    saved = []
    with rec.calling("save_article"):
        for i in range(4):
            saved.append(
                store.save_article(
                    make_article(f"https://a.example/{i}", fingerprint=0x1234_5678_9ABC_DEF0 + i),
                    [make_match("deals", 0.8), make_match("hiring", 0.6, "hiring")],
                    routes,
                )
            )
        store.save_article(make_article("https://a.example/0"), [], {})  # already stored
        # Matched but routed nowhere: no pending delivery holds it back from retention.
        store.save_article(make_article("https://a.example/quiet"), [make_match("muted", 0.5)], {})
    first = saved[0].article_id
    with rec.calling("add_matches"):
        store.add_matches(first, [make_match("other", 0.9)], {"other": ["webhook"]})
    with rec.calling("mark_seen"):
        store.mark_seen("https://b.example/dup", source="b", status="duplicate", article_id=first)
        store.mark_seen("https://b.example/short", source="b", status="dropped:short")
    with rec.calling("seen_urls"):
        store.seen_urls(["https://a.example/1", "https://c.example/new"])
    with rec.calling("find_near_duplicate"):
        store.find_near_duplicate(0x1234_5678_9ABC_DEF0, max_distance=3)
        store.find_near_duplicate(0x1234_5678_9ABC_DEF0, max_distance=6)
    with rec.calling("set_http_validators"):
        store.set_http_validators("https://a.example/feed", '"v1"', None)
        store.set_http_validators("https://a.example/gone", None, None)
    with rec.calling("get_http_validators"):
        store.get_http_validators("https://a.example/feed")
    with rec.calling("get_http_validators_many"):
        store.get_http_validators_many(["https://a.example/feed", "https://a.example/gone"])
    now = clock()
    with rec.calling("claim_due"):
        claimed = store.claim_due(now=now, lease_until=now + timedelta(minutes=5), limit=3)
        store.claim_due(now=now, lease_until=now + timedelta(minutes=5), limit=5, channel="email")
    ids = [d.id for d in claimed]
    with rec.calling("get_delivery"):
        store.get_delivery(ids[0])
    with rec.calling("mark_sent"):
        store.mark_sent(ids[0], now=now)
    with rec.calling("mark_retry"):
        store.mark_retry(ids[1], next_attempt_at=now + timedelta(minutes=1), error="429")
    with rec.calling("mark_failed"):
        store.mark_failed(ids[2], now=now, error="channel_not_found")
    with rec.calling("release"):
        store.release(ids)
    with rec.calling("sent_count_since"):
        store.sent_count_since("slack", now - timedelta(hours=1))
    with rec.calling("list_deliveries"):
        for status in ("pending", "sent", "failed"):
            store.list_deliveries(status)  # type: ignore[arg-type]
    with rec.calling("retry_failed"):
        store.retry_failed([ids[2]])
        store.retry_failed()
    with rec.calling("outbox_counts"):
        store.outbox_counts()
    with rec.calling("save_source_state"):
        store.save_source_state(SourceState(name="tc", last_run=now, last_success=now))
    with rec.calling("get_source_state"):
        store.get_source_state("tc")
    with rec.calling("list_source_states"):
        store.list_source_states()
    with rec.calling("record_run"):
        store.record_run(CrawlSummary(source="tc", started=now, finished=now, requests=3))
    with rec.calling("record_crawl"):
        store.record_crawl(CrawlSummary(source="tc", started=now, finished=now, requests=1))
    with rec.calling("record_crawls"):
        store.record_crawls(
            [
                CrawlSummary(source="tc", started=now, finished=now, requests=1),
                CrawlSummary(source="other", started=now, finished=now, requests=2),
            ]
        )
    with rec.calling("recent_runs"):
        store.recent_runs("tc", limit=5)
    since = now - timedelta(days=1)
    with rec.calling("list_matches"):
        store.list_matches(since)
        store.list_matches(since, watchlist="deals", limit=20)
    with rec.calling("articles_since"):
        list(store.articles_since(since))
    with rec.calling("stored_watchlists_since"):
        store.stored_watchlists_since(since)
    with rec.calling("counts"):
        store.counts()
    with rec.calling("list_stories"):
        store.list_stories(since)
        store.list_stories(since, matched_only=True)
    with rec.calling("story_of_articles"):
        store.story_of_articles([s.article_id for s in saved if s.article_id is not None])
    _exercise_feedback(store, ids, now, rec)
    with rec.calling("purge_story_keys"):
        store.purge_story_keys()
    clock.advance(days=100)
    with rec.calling("purge"):
        removed = store.purge(clock() - timedelta(days=90), seen_before=clock())
    assert removed["articles"] > 0  # the deletes below did run


def _exercise_feedback(store: Store, ids: Sequence[int], now: Any, rec: Recorder) -> None:
    """Readers' presses, holds and labels (scheduler.store.feedback)."""
    delivery = store.get_delivery(ids[0])
    assert delivery is not None
    channel = delivery.channel

    def press(action: str, envelope: str, party: str | None = None) -> Any:
        event = FeedbackEvent(action, ids[0], channel, "U1", "Ann", now, party, envelope)  # type: ignore[arg-type]
        return store.record_feedback(event)

    with rec.calling("record_feedback"):
        assert press("not_relevant", "e1") is not None
        assert press("not_relevant", "e1") is None  # a replay
        mute = press("mute", "e2", "Meta").hold
        press("snooze", "e3")
        press("mute", "e4", "Meta")  # extends the first
    with rec.calling("active_holds"):
        holds = store.active_holds(now=now)
        store.active_holds(now=now, channel=channel)
    with rec.calling("hold_deliveries"):
        store.hold_deliveries([(ids[1], holds[0])])
    with rec.calling("held_count"):
        assert store.held_count(now=now) == 1
    with rec.calling("lift_hold"):
        assert store.lift_hold(mute.id, now=now)
    with rec.calling("labelled_matches"):
        assert len(store.labelled_matches(since=now - timedelta(days=1))) == 1
    with rec.calling("purge_feedback"):
        store.purge_feedback(now - timedelta(days=90), 100)


def _store_methods() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(Store, inspect.isfunction)
        if not name.startswith("_")
    }


def _mentions_large_table(statement: str) -> bool:
    words = set(re.findall(r"\w+", statement))
    return bool(words & LARGE_TABLES)


def _deleted_tables(issued: Sequence[Issued]) -> set[str]:
    return {
        m.group(1)
        for i in issued
        if (m := re.match(r"\s*DELETE\s+FROM\s+\"?(\w+)", i.statement, re.IGNORECASE))
    }


def _child_lookups(deleted: set[str]) -> list[Issued]:
    """What the database runs per deleted parent row: a lookup of children by foreign key."""
    lookups = []
    for table in metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name in deleted:
                sql = f"SELECT 1 FROM {table.name} WHERE {fk.parent.name} = 1"
                lookups.append(Issued(f"foreign key {fk.parent}", sql, ()))
    return lookups


def _sqlite_problems(engine: Engine, issued: Sequence[Issued]) -> list[str]:
    problems = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for item in issued:
            cursor.execute("EXPLAIN QUERY PLAN " + item.statement, item.parameters or ())
            details = [str(row[3]) for row in cursor.fetchall()]
            for detail in details:
                scan = re.match(r"SCAN (?:TABLE )?(\w+)", detail)
                covering = "COVERING INDEX" in detail
                if "AUTOMATIC" in detail or (
                    scan is not None
                    and scan.group(1) in LARGE_TABLES
                    and not (covering and item.method in COUNTING_METHODS)
                ):
                    problems.append(f"{item.method}: {detail}\n    {item.statement}")
    finally:
        raw.close()
    return problems


def _pg_fill(cursor: Any, rows: int = PG_FILL_ROWS) -> None:
    """Give every large table ``rows`` old rows and statistics, so the planner weighs real sizes.

    Values follow the column types (unique strings, times long before the test's own, children
    pointing at existing parents), so the test's parameters select a few rows, as in service.
    """
    old = T0 - timedelta(days=500)
    for table in metadata.sorted_tables:
        if table.name not in LARGE_TABLES:
            continue
        columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
        columns = [
            c
            for c in columns
            if not (c.primary_key and isinstance(c.type, Integer) and not c.foreign_keys)
        ]
        parents: dict[str, list[Any]] = {}
        for column in columns:
            for fk in column.foreign_keys:
                target = fk.column
                # A key that is also the row's identity takes parents no row names yet.
                unused = (
                    f" WHERE {target.name} NOT IN (SELECT {column.name} FROM {table.name})"
                    if column.primary_key
                    else ""
                )
                cursor.execute(
                    f"SELECT {target.name} FROM {target.table.name}{unused} LIMIT {rows}"
                )
                parents[column.name] = [r[0] for r in cursor.fetchall()]
        names = ", ".join(c.name for c in columns)
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for i in range(rows):
                copy.write_row([_fill_value(c, i, parents, old) for c in columns])
    # Only this schema's tables: other tests share the database.
    cursor.execute("ANALYZE " + ", ".join(sorted(LARGE_TABLES)))


def _fill_value(column: Any, i: int, parents: dict[str, list[Any]], old: Any) -> Any:
    if column.name in parents:
        choices = parents[column.name]
        return None if column.nullable and i % 2 else choices[i % len(choices)]
    if isinstance(column.type, JSON):
        return "{}"
    if isinstance(column.type, UTCDateTime | DateTime):
        return old - timedelta(seconds=i)
    if isinstance(column.type, Boolean):
        return i % 2 == 0
    if isinstance(column.type, Integer):  # BigInteger too
        return i
    if isinstance(column.type, Float):
        return 0.5
    if isinstance(column.type, LargeBinary):
        return i.to_bytes(8, "big")
    value = f"{column.name}-{i}"
    length = getattr(column.type, "length", None)
    return value[-length:] if length else value  # the distinct tail of a short String column


def _pg_index_leads(cursor: Any) -> dict[str, str]:
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
    leads = {}
    for name, definition in cursor.fetchall():
        columns = re.search(r"USING \w+ \(([^)]*)\)", definition)
        assert columns is not None, definition
        leads[name] = columns.group(1).split(",")[0].strip().strip('"')
    return leads


def _pg_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _pg_nodes(child)


def _pg_problems(engine: Engine, issued: Sequence[Issued]) -> list[str]:
    problems = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        _pg_fill(cursor)
        leads = _pg_index_leads(cursor)
        cursor.execute("SET enable_seqscan = off")
        for item in issued:
            cursor.execute("EXPLAIN (FORMAT JSON) " + item.statement, item.parameters or None)
            row = cursor.fetchone()
            assert row is not None
            plan = row[0][0]["Plan"]
            for node in _pg_nodes(plan):
                kind = node["Node Type"]
                relation = node.get("Relation Name")
                index = node.get("Index Name")
                if kind == "Seq Scan" and relation in LARGE_TABLES:
                    problems.append(f"{item.method}: Seq Scan on {relation}\n    {item.statement}")
                elif index in leads and item.method not in COUNTING_METHODS:
                    condition = node.get("Index Cond", "")
                    if re.search(rf"\b{re.escape(leads[index])}\b", condition) is None:
                        problems.append(
                            f"{item.method}: {kind} on {index} without a condition on"
                            f" {leads[index]} ({condition or 'none'})\n    {item.statement}"
                        )
    finally:
        raw.rollback()
        raw.close()
    return problems


@pytest.fixture
def recorded(db_url: str) -> Iterator[tuple[Store, Recorder]]:
    clock = FakeClock(T0)
    store = open_store(db_url, clock=clock)
    try:
        rec = Recorder(store.engine)
        _exercise(store, clock, rec)
        yield store, rec
    finally:
        store.close()


def test_every_store_method_is_exercised(recorded: tuple[Store, Recorder]) -> None:
    _store, rec = recorded
    missing = _store_methods() - NOT_QUERIES - rec.called
    assert not missing, f"add calls of {sorted(missing)} to _exercise so their plans are checked"


def test_no_full_scan_of_a_large_table(recorded: tuple[Store, Recorder]) -> None:
    store, rec = recorded
    statements = [i for i in rec.issued if _mentions_large_table(i.statement)]
    assert len(statements) > 40  # the recorder saw the store's traffic
    statements += _child_lookups(_deleted_tables(rec.issued))
    if store.backend == "sqlite":
        problems = _sqlite_problems(store.engine, statements)
    else:
        problems = _pg_problems(store.engine, statements)
    assert not problems, "full scans of large tables:\n" + "\n".join(sorted(set(problems)))
