"""Opening a store: database URLs, the SQLite engine set-up, and the transaction helper.

:class:`Database` is the base every part of the store builds on: one SQLAlchemy engine, a clock,
and :meth:`Database._tx`, one short transaction per call. SQLite runs in WAL mode and its write
transactions start with ``BEGIN IMMEDIATE``, so writers queue on the busy timeout instead of
failing on a lock upgrade; PostgreSQL goes through psycopg 3. Failures surface as
:class:`scheduler.errors.StoreError`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

from sqlalchemy import Table, create_engine, event, inspect, select
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from scheduler.errors import StoreError
from scheduler.store import migrate
from scheduler.store.schema import metadata, schema_version

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PgInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

CHUNK = 500  # IN-list size: well under SQLite's bound-parameter limit
logger = logging.getLogger("newswatch.store")
_SQLITE_MAGIC = b"SQLite format 3\x00"


def normalise_url(url: str) -> URL:
    """Parse a database URL, sending ``postgres://`` and ``postgresql://`` to psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL: {exc}") from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database backend {parsed.get_backend_name()!r}")
    return parsed


def redact_url(url: str) -> str:
    """``url`` with its password hidden, for logs and summaries (unparsable URLs as they are)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread off: pooled connections move between the worker threads of to_thread.
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30.0}
    if memory:
        # One shared connection, or every thread would see its own empty database; an in-memory
        # store is therefore for single-threaded use (tests, one-off commands).
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
    else:
        engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN below is the only one issued.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("newswatch_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def open_engine(url: str) -> Engine:
    """An engine for ``url`` (SQLite set up as the store needs it); nothing is read yet."""
    parsed = normalise_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return sqlite_engine(parsed)
        return create_engine(parsed, pool_pre_ping=True)
    except SQLAlchemyError as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise StoreError(f"cannot open database {shown}: {exc}") from exc


def _create_missing_indexes(conn: Connection) -> None:
    """Create the indexes a database made by an older version lacks.

    ``create_all`` skips a table that exists, and with it every index added to the table since.
    Building one on a large table holds its write lock for a while, once, at the first open.
    """
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        existing = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            if index.name not in existing:
                logger.info("creating index %s on %s", index.name, table.name)
                index.create(conn)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices of at most ``size`` (for IN lists)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Database:
    """One engine, a clock and the transaction helper the parts of the store share."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] | None = None,
        near_duplicate_window: timedelta = timedelta(days=30),
    ) -> None:
        self._engine = engine
        self._clock = clock or utcnow
        self._window = near_duplicate_window
        self._backend = engine.dialect.name
        self._closed = False
        self._close_lock = threading.Lock()
        # Called inside the transaction that adds delivery rows, with their channels: cluster mode
        # defers the delivery jobs there (scheduler.cluster.deliveries), so both commit or neither.
        self.on_new_deliveries: Callable[[Connection, Sequence[str]], None] | None = None
        # The SQLite file and its identity at open, for probe(): pooled connections keep reading
        # (and writing) a deleted or replaced file, so only the file itself tells.
        self._sqlite_file: str | None = None
        self._sqlite_id: tuple[int, int] | None = None
        database = engine.url.database or ""
        plain_file = database not in ("", ":memory:") and not database.startswith("file:")
        if self._backend == "sqlite" and plain_file:
            self._sqlite_file = str(Path(database).expanduser().resolve())

    @property
    def engine(self) -> Engine:
        """The underlying engine (for tests and maintenance commands)."""
        return self._engine

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._backend

    def close(self) -> None:
        """Dispose of the connection pool; the store is unusable afterwards."""
        with self._close_lock:
            if not self._closed:
                self._closed = True
                self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_schema(self, *, create: bool = True) -> None:
        """Check that the schema is at this version's revision; create a new database's (when
        ``create``).

        A database behind or ahead of this version is refused with a clear
        :class:`StoreError` (``newswatch db upgrade`` moves it forward, see
        :mod:`scheduler.store.migrate`): opening never migrates a schema. It only adds an index
        the tables lack, as it did before migrations.
        """
        with self._tx("prepare schema", write=True) as conn:
            # Two processes starting at once must not both run CREATE TABLE.
            migrate.lock(conn)
            revision = migrate.read_revision(conn)
            if revision.current is None:
                if not create:
                    raise StoreError("database has no newswatch schema; open it with create=True")
                migrate.create(conn)
            elif (why := migrate.problem(revision)) is not None:
                raise StoreError(why)
            elif create:
                _create_missing_indexes(conn)
        if self._sqlite_file is not None and self._sqlite_id is None:
            # The file exists from the first connection on: this is the one the pool holds.
            with contextlib.suppress(OSError):
                stat = os.stat(self._sqlite_file)
                self._sqlite_id = (stat.st_dev, stat.st_ino)

    def schema_revision(self) -> migrate.Revision:
        """Where the database's schema stands (for ``newswatch db current``)."""
        with self._tx("read schema revision") as conn:
            return migrate.read_revision(conn)

    def upgrade_schema(self) -> migrate.Revision:
        """Migrate the schema to this version's revision under the schema lock; the revision
        before. One transaction: a failed step leaves the database as it was."""
        with self._tx("upgrade schema", write=True) as conn:
            migrate.lock(conn)
            return migrate.upgrade(conn)

    def probe(self) -> str | None:
        """Why the store cannot serve now, or None: a cheap read for the health endpoint.

        SQLite: the file must still be the one opened (not deleted or replaced) and readable by a
        fresh connection; PostgreSQL: one read through the pool.
        """
        if self._sqlite_file is not None:
            path = self._sqlite_file
            try:
                stat = os.stat(path)
            except OSError as exc:
                return f"database file {path}: {exc.strerror or exc}"
            if self._sqlite_id is not None and (stat.st_dev, stat.st_ino) != self._sqlite_id:
                return f"database file {path} was replaced after the store opened it"
            try:
                # Pages still in the WAL would hide a clobbered main file from the read below.
                with open(path, "rb") as file:
                    head = file.read(len(_SQLITE_MAGIC))
            except OSError as exc:
                return f"database file {path}: {exc.strerror or exc}"
            if head and head != _SQLITE_MAGIC:
                return f"database file {path} is not an SQLite database any more"
            try:
                uri = f"file:{quote(path)}?mode=ro"
                with closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as conn:
                    conn.execute("SELECT version FROM schema_version").fetchone()
            except sqlite3.Error as exc:
                return f"database file {path}: {exc}"
            return None
        try:
            with self._tx("health probe") as conn:
                conn.execute(select(schema_version.c.version)).scalar()
        except StoreError as exc:
            return str(exc)
        return None

    @contextmanager
    def _tx(self, what: str, *, write: bool = False) -> Iterator[Connection]:
        """One transaction; SQLite writers take the write lock up front (``BEGIN IMMEDIATE``)."""
        try:
            with self._engine.connect() as conn:
                if write and self._backend == "sqlite":
                    conn.execution_options(newswatch_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"{what} failed: {exc}") from exc

    def _insert(self, table: Table) -> PgInsert | SqliteInsert:
        # Imported here: the PostgreSQL dialect costs ~15 ms to import, and a read-only command
        # on SQLite (``newswatch status``) never inserts.
        if self._backend == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
