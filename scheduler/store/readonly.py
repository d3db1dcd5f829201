"""The read-only path of ``newswatch status`` and ``matches``: plain DB-API, no SQLAlchemy.

Those commands run in a fresh interpreter each time, and importing SQLAlchemy alone costs more
than they may take. :func:`open_readonly` opens the database of a URL with the driver itself --
the stdlib :mod:`sqlite3` (read-only, ``mode=ro``) or psycopg 3 (a ``READ ONLY`` transaction) --
and :class:`ReadOnlyStore` answers with the store's own records (:mod:`scheduler.store.records`,
``CrawlSummary``). All reads of one command share one transaction, so they see one snapshot.

Every statement is in this module, written once for both backends (named ``:param`` style,
rewritten for psycopg). They read tables the SQLAlchemy store owns, so the two can drift:
``tests/scheduler/test_readonly.py`` fills one database through the store, on SQLite and on
PostgreSQL, and requires both paths to return the same. A new table for ``status`` is a statement
and a method here, and a line in that test.

A database that does not exist yet (no file, no ``schema_version`` table) reads as empty, as the
service would create it: a read-only command creates nothing. A schema at another revision than
this version's gets the store's own error (it says whether to run ``newswatch db upgrade``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

from alerts.feedback import Hold
from crawler.crawl_summary import CrawlSummary
from crawler.matching.types import Match
from scheduler.errors import StoreError
from scheduler.store.dburl import DbUrl, parse_db_url
from scheduler.store.records import SCHEMA_REVISIONS, SourceState, StoredMatch, checked_open

if TYPE_CHECKING:
    import psycopg

CHUNK = 500  # IN-list size, as the store's

_SOURCES = """
SELECT name, last_run, last_success, last_error, consecutive_failures, items_seen,
       new_articles_total, last_new_article, status, next_due, last_items_at
FROM sources ORDER BY name
"""
_RECENT_RUNS = """
SELECT source, started, finished, requests, not_modified, new_articles, duplicates, errors,
       dropped, error
FROM crawl_runs WHERE source = :source
ORDER BY started DESC, id DESC LIMIT :limit
"""
_OUTBOX_COUNTS = "SELECT status, COUNT(*) FROM deliveries GROUP BY status"
_FAILED = """
SELECT d.id, d.channel, d.last_error, a.title
FROM deliveries d JOIN articles a ON a.id = d.article_id
WHERE d.status = 'failed'
ORDER BY d.updated_at DESC, d.id DESC LIMIT :limit
"""
_MATCHES = """
SELECT m.id, m.article_id, m.payload, m.created_at, a.title, a.url, a.source, a.published
FROM matches m JOIN articles a ON a.id = m.article_id
WHERE m.created_at >= :since {watchlist}
ORDER BY m.created_at DESC, m.id DESC LIMIT :limit
"""
_STORY_OF = "SELECT article_id, story_id FROM story_articles WHERE article_id IN ({ids})"
_NODES = """
SELECT node_id, hostname, pid, version, config_hash, started_at, last_heartbeat
FROM cluster_nodes ORDER BY node_id
"""
_HOLDS = """
SELECT id, kind, channel, key, label, created_by, created_at, expires_at, lifted_at
FROM holds WHERE lifted_at IS NULL AND expires_at > :now {channel}
ORDER BY created_at, id
"""
_HELD = """
SELECT held_by, COUNT(*) FROM deliveries
WHERE status = 'pending' AND held_by IN ({ids}) GROUP BY held_by
"""
_REVISION = "SELECT version_num FROM alembic_version"
_HAS_TABLE = {
    "sqlite": "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'",
    "postgresql": "SELECT COUNT(*) FROM (SELECT to_regclass('{table}') AS t) x WHERE t IS NOT NULL",
}
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


@dataclass(frozen=True, slots=True)
class ClusterNode:
    """A cluster node's row in ``cluster_nodes``, and the age of its last heartbeat when read."""

    node_id: str
    hostname: str
    pid: int
    version: str
    config_hash: str
    started_at: datetime
    last_heartbeat: datetime
    heartbeat_age: float  # seconds

    def as_json(self) -> dict[str, object]:
        return {
            "node_id": self.node_id,
            "hostname": self.hostname,
            "pid": self.pid,
            "version": self.version,
            "config_hash": self.config_hash,
            "started_at": self.started_at.isoformat(),
            "last_heartbeat": self.last_heartbeat.isoformat(),
            "heartbeat_age_seconds": round(self.heartbeat_age, 1),
        }


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    """A failed outbox row as ``status`` lists it."""

    id: int
    channel: str
    last_error: str | None
    title: str


class ReadOnlyStore:
    """What ``status`` and ``matches`` read, on one DB-API connection (None: nothing stored)."""

    def __init__(
        self, conn: Any, backend: str, errors: tuple[type[Exception], ...] = (sqlite3.Error,)
    ) -> None:
        self._conn = conn
        self._backend = backend
        self._errors = errors  # the driver's error classes, which become StoreError

    @property
    def backend(self) -> str:
        return self._backend

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the commands read -------------------------------------------------------------

    def list_source_states(self) -> list[SourceState]:
        """Crawl state of every source that has run, by name."""
        return [
            SourceState(
                name=row[0],
                last_run=self._time(row[1]),
                last_success=self._time(row[2]),
                last_error=row[3],
                consecutive_failures=int(row[4]),
                items_seen=int(row[5]),
                new_articles_total=int(row[6]),
                last_new_article=self._time(row[7]),
                status=row[8],
                next_due=self._time(row[9]),
                last_items_at=self._time(row[10]),
            )
            for row in self._rows("list_source_states", _SOURCES)
        ]

    def recent_runs(self, source: str, limit: int = 10) -> list[CrawlSummary]:
        """The last ``limit`` crawls of ``source``, newest first."""
        rows = self._rows("recent_runs", _RECENT_RUNS, {"source": source, "limit": limit})
        out = []
        for row in rows:
            dropped = self._json(row[8]) or {}
            out.append(
                CrawlSummary(
                    source=row[0],
                    started=self._stamp(row[1]),
                    finished=self._stamp(row[2]),
                    requests=int(row[3]),
                    not_modified=int(row[4]),
                    new_articles=int(row[5]),
                    duplicates=int(row[6]),
                    errors=int(row[7]),
                    dropped={str(k): int(v) for k, v in dropped.items()},
                    error=row[9],
                )
            )
        return out

    def outbox_counts(self) -> dict[str, int]:
        """Counts by status: ``{"pending": n, "sent": n, "failed": n}``."""
        result = {"pending": 0, "sent": 0, "failed": 0}
        for status, count in self._rows("outbox_counts", _OUTBOX_COUNTS):
            result[str(status)] = int(count)
        return result

    def list_failed(self, limit: int = 100) -> list[FailedDelivery]:
        """Failed deliveries, newest first."""
        return [
            FailedDelivery(id=int(row[0]), channel=row[1], last_error=row[2], title=row[3])
            for row in self._rows("list_failed", _FAILED, {"limit": limit})
        ]

    def list_cluster_nodes(self, now: datetime) -> list[ClusterNode]:
        """The nodes of cluster mode (rows of ``cluster_nodes``) by node id, ages as of ``now``."""
        nodes = []
        for node_id, host, pid, version, config_hash, started, beat in self._rows(
            "list_cluster_nodes", _NODES
        ):
            last = self._stamp(beat)
            age = (now - last).total_seconds()
            started_at = self._stamp(started)
            nodes.append(
                ClusterNode(node_id, host, int(pid), version, config_hash, started_at, last, age)
            )
        return nodes

    def list_matches(
        self, since: datetime, watchlist: str | None = None, limit: int = 200
    ) -> list[StoredMatch]:
        """Matches stored since ``since`` (optionally of one watchlist), newest first."""
        params: dict[str, Any] = {"since": self._time_param(since), "limit": limit}
        where = ""
        if watchlist is not None:
            where, params["watchlist"] = "AND m.watchlist = :watchlist", watchlist
        return [
            StoredMatch(
                match_id=int(row[0]),
                article_id=int(row[1]),
                match=Match.from_dict(self._json(row[2])),
                created_at=self._stamp(row[3]),
                title=row[4],
                url=row[5],
                source=row[6],
                published=self._time(row[7]),
            )
            for row in self._rows("list_matches", _MATCHES.format(watchlist=where), params)
        ]

    def story_of_articles(self, article_ids: Sequence[int]) -> dict[int, int]:
        """article id -> story id, for those of ``article_ids`` in a story."""
        return self._id_pairs("story_of_articles", _STORY_OF, article_ids)

    def active_holds(self, now: datetime, channel: str | None = None) -> list[Hold]:
        """Readers' mutes and snoozes in force at ``now`` (of ``channel``, or all), oldest first
        (as :meth:`scheduler.store.feedback.FeedbackTables.active_holds`)."""
        params: dict[str, Any] = {"now": self._time_param(now)}
        where = ""
        if channel is not None:
            where, params["channel"] = "AND channel = :channel", channel
        return [
            Hold(
                id=int(row[0]),
                kind=row[1],
                channel=row[2],
                key=row[3],
                label=row[4],
                created_by=row[5],
                created_at=self._stamp(row[6]),
                expires_at=self._stamp(row[7]),
                lifted_at=self._time(row[8]),
            )
            for row in self._rows("active_holds", _HOLDS.format(channel=where), params)
        ]

    def held_counts(self, hold_ids: Sequence[int]) -> dict[int, int]:
        """hold id -> pending alerts it put off, for those of ``hold_ids`` holding any."""
        return self._id_pairs("held_counts", _HELD, hold_ids)

    def _id_pairs(self, name: str, template: str, ids: Sequence[int]) -> dict[int, int]:
        """Run ``template`` (two integer columns, ``{ids}`` an IN list) over ``ids`` in chunks
        of :data:`CHUNK`; first column -> second."""
        found: dict[int, int] = {}
        unique = sorted(set(ids))
        for start in range(0, len(unique), CHUNK):
            params = {f"i{n}": value for n, value in enumerate(unique[start : start + CHUNK])}
            sql = template.format(ids=", ".join(f":{key}" for key in params))
            for key, value in self._rows(name, sql, params):
                found[int(key)] = int(value)
        return found

    def check_schema(self) -> bool:
        """Whether the schema is at this version's revision. No schema at all is an empty
        database (the store would create it): nothing to read, and the connection is closed.
        False: the caller asks the store why (its message says what to do)."""
        if self._conn is None:
            return True
        if not self._has_table("schema_version"):
            self.close()
            return True
        if not self._has_table("alembic_version"):
            return False
        rows = self._rows("check schema", _REVISION)
        return [row[0] for row in rows] == [SCHEMA_REVISIONS[-1]]

    def _has_table(self, table: str) -> bool:
        ((count,),) = self._rows("check schema", _HAS_TABLE[self._backend].format(table=table))
        return bool(count)

    # -- the two backends ---------------------------------------------------------------------

    def _rows(self, what: str, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
        if self._conn is None:
            return []
        if self._backend == "postgresql":
            sql = _PARAM.sub(r"%(\1)s", sql)
        try:
            cursor = self._conn.cursor()
            try:
                cursor.execute(sql, params or {})
                return list(cursor.fetchall())
            finally:
                cursor.close()
        except self._errors as exc:
            raise StoreError(f"{what} failed: {exc}") from exc

    def _time(self, value: Any) -> datetime | None:
        """A stored timestamp as aware UTC (SQLite keeps naive UTC text)."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def _stamp(self, value: Any) -> datetime:
        """A NOT NULL timestamp."""
        stamp = self._time(value)
        if stamp is None:
            raise StoreError("a timestamp the schema requires is NULL")
        return stamp

    def _time_param(self, value: datetime) -> Any:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the store; use UTC")
        value = value.astimezone(UTC)
        if self._backend == "sqlite":
            # The text SQLAlchemy's SQLite dialect stores, so that comparisons are by time.
            return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def _json(self, value: Any) -> Any:
        # psycopg decodes json columns itself; SQLite hands back the text.
        return json.loads(value) if isinstance(value, str | bytes) else value


def open_readonly(url: str) -> ReadOnlyStore:
    """The database at ``url``, opened for reading, its schema revision checked."""
    parsed = parse_db_url(url)
    shown = parsed.redacted()
    if parsed.backend not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database backend {parsed.backend!r}")
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)
    try:
        if parsed.backend == "postgresql":
            import psycopg

            errors = (psycopg.Error,)
            conn = _connect_postgresql(parsed)
        else:
            conn = _connect_sqlite(parsed, url)
    except Exception as exc:
        if not isinstance(exc, (*errors, StoreError, OSError)):
            raise
        raise StoreError(f"cannot open database {shown}: {exc}") from exc
    store = ReadOnlyStore(conn, parsed.backend, errors)
    with checked_open(store, shown):
        current = store.check_schema()
    if current:
        return store
    store.close()
    # Not at this version's revision: the store says why in its own words (behind, ahead, or
    # from before migrations). It is the rare path, so loading SQLAlchemy here costs nothing.
    from scheduler.store.store import open_store

    open_store(url, create=False).close()
    raise StoreError(f"cannot open database {shown}: its schema revision is not this version's")


def _connect_sqlite(url: DbUrl, text: str) -> Any:
    database = url.database or ""
    if database in ("", ":memory:"):
        return None  # a fresh in-memory database: nothing stored
    if url.query or url.driver != "sqlite":
        return _connect_through_sqlalchemy(text)
    path = Path(database)
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=30.0)
    conn.isolation_level = None  # transactions by hand: one BEGIN for all the reads
    try:
        conn.execute("BEGIN")
    except BaseException:
        conn.close()
        raise
    return conn


def _connect_postgresql(url: DbUrl) -> psycopg.Connection[Any]:
    import psycopg

    # What SQLAlchemy's psycopg dialect passes: the URL's parts, and its query as options.
    kwargs: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    kwargs.update(dict(url.query))
    conn = psycopg.connect(**kwargs)
    conn.read_only = True
    return conn


def _connect_through_sqlalchemy(url: str) -> Any:
    """A SQLite URL with options (``?mode=ro&uri=true``, ``?timeout=``): SQLAlchemy's pysqlite
    dialect reads them as the store does, and hands over its DB-API connection (rare, so the
    import is paid only here)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    try:
        # NullPool: closing the connection closes the database connection itself.
        return create_engine(url, poolclass=NullPool).raw_connection()
    except (SQLAlchemyError, ValueError) as exc:  # ValueError: an option of the wrong type
        raise StoreError(str(exc)) from exc
