"""The service's storage: articles, matches, the delivery outbox and crawl state, behind one class.

:class:`Store` implements both :class:`crawler.records.ArticleStore` (what the crawler pipelines
need) and :class:`alerts.model.OutboxStore` (what the dispatcher needs) on SQLAlchemy 2 Core with a
synchronous engine: SQLite in WAL mode by default, PostgreSQL (psycopg 3) when the URL says so.
Every method is one short transaction, safe to call from several threads (the service calls them
through ``asyncio.to_thread``) and from several processes: SQLite write transactions start with
``BEGIN IMMEDIATE`` so writers queue on the busy timeout instead of failing on a lock upgrade, and
PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``. Datetimes are timezone-aware UTC in and out
(SQLite stores them naive in UTC). Failures surface as :class:`scheduler.errors.StoreError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, Connection, Engine, Row, RowMapping, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import ColumnElement

from alerts.model import Alert, Delivery, DeliveryStatus
from crawler.matching.types import Match
from crawler.records import ArticleRecord, CrawlRunRecord, SaveResult, SourceState
from scheduler.errors import StoreError

__all__ = ["SCHEMA_VERSION", "Store", "StoredMatch", "metadata", "normalise_url", "open_store"]

SCHEMA_VERSION = 1
_MASK64 = (1 << 64) - 1
_BANDS = 4  # 64-bit SimHash split in 4 bands of 16 bits: distance <= 3 shares at least one band
_CHUNK = 500  # IN-list size: well under SQLite's bound-parameter limit


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is aware UTC in Python on every backend (SQLite keeps it naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive time is ambiguous; refusing it here catches the bug where it is made.
            raise ValueError(f"naive datetime {value.isoformat()} given to the store; use UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

sources = Table(
    "sources",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("last_run", UTCDateTime),
    Column("last_success", UTCDateTime),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("items_seen", Integer, nullable=False, default=0),
    Column("new_articles_total", Integer, nullable=False, default=0),
    Column("last_new_article", UTCDateTime),
    Column("status", String(20), nullable=False, default="ok"),
    Column("next_due", UTCDateTime),
    Column("last_items_at", UTCDateTime),
)

http_validators = Table(
    "http_validators",
    metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False, index=True),
    Column("url", Text, nullable=False, unique=True),
    Column("fetched_url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("published", UTCDateTime),
    Column("authors", JSON, nullable=False),
    Column("language", String(20)),
    Column("summary", Text),
    Column("fingerprint", BigInteger, nullable=False),
    *(Column(f"band{i}", Integer, nullable=False, index=True) for i in range(_BANDS)),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("discovered_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False, index=True),
)

seen_urls = Table(
    "seen_urls",
    metadata,
    Column("url", Text, primary_key=True),
    Column("source", String(200), nullable=False),
    Column("status", String(100), nullable=False),  # stored | duplicate | dropped:<reason>
    Column("article_id", _Id, ForeignKey("articles.id", ondelete="SET NULL")),
    Column("first_seen", UTCDateTime, nullable=False, index=True),
)

article_links = Table(
    "article_links",
    metadata,
    Column("url", Text, primary_key=True),  # a duplicate's URL
    Column(
        "article_id", _Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("source", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

matches = Table(
    "matches",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("article_id", _Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("watchlist", String(200), nullable=False),
    Column("score", Float, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("payload", JSON, nullable=False),  # Match.to_dict()
    Column("channels", JSON, nullable=False),  # channels the match was routed to when stored
    Column("created_at", UTCDateTime, nullable=False, index=True),
    UniqueConstraint("article_id", "watchlist", name="uq_matches_article_watchlist"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("article_id", _Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("match_id", _Id, ForeignKey("matches.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    # The same article never alerts one channel twice, whatever matched it and however often.
    UniqueConstraint("article_id", "channel", name="uq_deliveries_article_channel"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_sent", "channel", "status", "sent_at"),
)

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),
    Column("started", UTCDateTime, nullable=False),
    Column("finished", UTCDateTime, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("not_modified", Integer, nullable=False),
    Column("new_articles", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("dropped", JSON, nullable=False),
    Column("error", Text),
    Index("ix_crawl_runs_source_started", "source", "started"),
)


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """A stored match with the article it is about (what ``matches`` listings show)."""

    match_id: int
    article_id: int
    title: str
    url: str
    source: str
    published: datetime | None
    match: Match
    created_at: datetime


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


def open_store(
    url: str, *, create: bool = True, clock: Callable[[], datetime] | None = None
) -> Store:
    """Open the store at ``url``; create the schema when ``create`` (else require it to exist)."""
    parsed = normalise_url(url)
    shown = parsed.render_as_string(hide_password=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open database {shown}: {exc}") from exc
    store = Store(engine, clock=clock)
    try:
        store.ensure_schema(create=create)
    except StoreError as exc:
        store.close()
        raise StoreError(f"cannot open database {shown}: {exc}") from exc
    except BaseException:
        store.close()
        raise
    return store


def _sqlite_engine(url: URL) -> Engine:
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


def _signed64(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def _bands(fingerprint: int) -> list[int]:
    unsigned = fingerprint & _MASK64
    return [(unsigned >> (16 * i)) & 0xFFFF for i in range(_BANDS)]


def _hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK64).bit_count()


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """Articles, matches, outbox and crawl state on one SQLAlchemy engine (see module docstring)."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] | None = None,
        near_duplicate_window: timedelta = timedelta(days=30),
    ) -> None:
        self._engine = engine
        self._clock = clock or _utcnow
        self._window = near_duplicate_window
        self._backend = engine.dialect.name
        self._closed = False
        self._close_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------

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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_schema(self, *, create: bool = True) -> None:
        """Create the tables (when ``create``) and check the schema version."""
        with self._tx("prepare schema", write=True) as conn:
            if self._backend == "postgresql":
                # Two processes starting at once must not both run CREATE TABLE.
                conn.execute(text("SELECT pg_advisory_xact_lock(7263540501)"))
            if create:
                metadata.create_all(conn)
            elif not conn.dialect.has_table(conn, "schema_version"):
                raise StoreError("database has no newswatch schema; open it with create=True")
            version = conn.execute(select(schema_version.c.version)).scalar()
            if version is None:
                if not create:
                    raise StoreError("database has no schema version; open it with create=True")
                conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            elif version != SCHEMA_VERSION:
                raise StoreError(
                    f"database schema version {version} is not the supported {SCHEMA_VERSION}"
                )

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
        return pg_insert(table) if self._backend == "postgresql" else sqlite_insert(table)

    # -- ArticleStore: URLs and validators -----------------------------------------------------

    def seen_urls(self, urls: Collection[str]) -> set[str]:
        """Those of ``urls`` already stored, linked as duplicates or dropped."""
        wanted = sorted(set(urls))
        found: set[str] = set()
        if not wanted:
            return found
        with self._tx("seen_urls") as conn:
            for chunk in _chunks(wanted):
                rows = conn.execute(select(seen_urls.c.url).where(seen_urls.c.url.in_(chunk)))
                found.update(row[0] for row in rows)
        return found

    def mark_seen(
        self, url: str, *, source: str, status: str, article_id: int | None = None
    ) -> None:
        """Remember ``url``; a duplicate with ``article_id`` is also linked to that article."""
        now = self._clock()
        with self._tx("mark_seen", write=True) as conn:
            conn.execute(
                self._insert(seen_urls)
                .values(
                    url=url, source=source, status=status, article_id=article_id, first_seen=now
                )
                .on_conflict_do_nothing(index_elements=["url"])
            )
            if article_id is not None and status == "duplicate":
                exists = conn.execute(select(articles.c.id).where(articles.c.id == article_id))
                if exists.first() is not None:
                    conn.execute(
                        self._insert(article_links)
                        .values(url=url, article_id=article_id, source=source, created_at=now)
                        .on_conflict_do_nothing(index_elements=["url"])
                    )

    def get_http_validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) last seen for ``url``; (None, None) when unknown."""
        with self._tx("get_http_validators") as conn:
            row = conn.execute(
                select(http_validators.c.etag, http_validators.c.last_modified).where(
                    http_validators.c.url == url
                )
            ).first()
        return (row.etag, row.last_modified) if row is not None else (None, None)

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a response's validators; both None forgets them."""
        now = self._clock()
        with self._tx("set_http_validators", write=True) as conn:
            if etag is None and last_modified is None:
                conn.execute(delete(http_validators).where(http_validators.c.url == url))
                return
            stmt = self._insert(http_validators).values(
                url=url, etag=etag, last_modified=last_modified, updated_at=now
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["url"],
                    set_={"etag": etag, "last_modified": last_modified, "updated_at": now},
                )
            )

    # -- ArticleStore: articles ----------------------------------------------------------------

    def find_near_duplicate(self, fingerprint: int, *, max_distance: int) -> int | None:
        """Id of a recent article whose SimHash is within ``max_distance`` bits (closest first).

        Only articles created within the near-duplicate window (30 days by default) are looked
        at, so the cost stays bounded. Up to 3 bits the 16-bit bands find every candidate
        (pigeonhole: 4 bands, at most 3 differ); above that the window is scanned in full.
        """
        since = self._clock() - self._window
        query = select(articles.c.id, articles.c.fingerprint).where(articles.c.created_at >= since)
        if max_distance < _BANDS:
            bands = _bands(fingerprint)
            query = query.where(
                or_(*(articles.c[f"band{i}"] == band for i, band in enumerate(bands)))
            )
        best: tuple[int, int] | None = None
        with self._tx("find_near_duplicate") as conn:
            for row in conn.execute(query.order_by(articles.c.id)):
                distance = _hamming(fingerprint, row.fingerprint)
                if distance <= max_distance and (best is None or distance < best[0]):
                    best = (distance, row.id)
        return best[1] if best is not None else None

    def save_article(
        self,
        article: ArticleRecord,
        matches: Sequence[Match],
        routes: Mapping[str, Sequence[str]],
    ) -> SaveResult:
        """Store the article, its URL as seen, its matches and its outbox rows in one transaction.

        ``routes`` maps a watchlist to its channels; each channel gets one delivery pointing at
        the best-scoring match routed to it. When the canonical URL is already stored (a re-crawl
        or a race with another writer) nothing is written and ``created`` is False.
        """
        now = self._clock()
        fingerprint = _signed64(article.fingerprint)
        values: dict[str, Any] = {
            "source": article.source,
            "url": article.url,
            "fetched_url": article.fetched_url,
            "title": article.title,
            "text": article.text,
            "published": article.published,
            "authors": list(article.authors),
            "language": article.language,
            "summary": article.summary,
            "fingerprint": fingerprint,
            "content_hash": article.content_hash,
            "discovered_at": article.discovered_at,
            "created_at": now,
        }
        values.update({f"band{i}": band for i, band in enumerate(_bands(fingerprint))})
        with self._tx("save_article", write=True) as conn:
            # ON CONFLICT DO NOTHING settles the race on both backends without aborting the
            # transaction (a caught IntegrityError would poison it on PostgreSQL).
            new_id = conn.execute(
                self._insert(articles)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["url"])
                .returning(articles.c.id)
            ).scalar()
            if new_id is None:
                existing = conn.execute(
                    select(articles.c.id).where(articles.c.url == article.url)
                ).scalar_one()
                return SaveResult(article_id=int(existing), created=False)
            article_id = int(new_id)
            conn.execute(
                self._insert(seen_urls)
                .values(
                    url=article.url,
                    source=article.source,
                    status="stored",
                    article_id=article_id,
                    first_seen=now,
                )
                .on_conflict_do_update(
                    index_elements=["url"], set_={"status": "stored", "article_id": article_id}
                )
            )
            match_ids, delivery_ids = self._insert_matches(conn, article_id, matches, routes, now)
        return SaveResult(
            article_id=article_id, created=True, match_ids=match_ids, delivery_ids=delivery_ids
        )

    def add_matches(
        self, article_id: int, matches: Sequence[Match], routes: Mapping[str, Sequence[str]]
    ) -> SaveResult:
        """Add matches found by a rematch: only new (article, watchlist) pairs and their rows.

        A channel that already has a delivery for the article gets no second one.
        """
        now = self._clock()
        with self._tx("add_matches", write=True) as conn:
            found = conn.execute(select(articles.c.id).where(articles.c.id == article_id)).first()
            if found is None:
                raise StoreError(f"add_matches: no article with id {article_id}")
            match_ids, delivery_ids = self._insert_matches(conn, article_id, matches, routes, now)
        return SaveResult(
            article_id=article_id, created=False, match_ids=match_ids, delivery_ids=delivery_ids
        )

    def _insert_matches(
        self,
        conn: Connection,
        article_id: int,
        matches: Sequence[Match],
        routes: Mapping[str, Sequence[str]],
        now: datetime,
    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        best_per_watchlist: dict[str, Match] = {}
        for match in matches:
            current = best_per_watchlist.get(match.watchlist)
            if current is None or match.score > current.score:
                best_per_watchlist[match.watchlist] = match
        match_ids: list[int] = []
        # channel -> (score, match id) of the best new match routed there
        best_per_channel: dict[str, tuple[float, int]] = {}
        for match in sorted(best_per_watchlist.values(), key=lambda m: -m.score):
            channels = list(dict.fromkeys(routes.get(match.watchlist, ())))
            new_id = conn.execute(
                self._insert(matches_table)
                .values(
                    article_id=article_id,
                    watchlist=match.watchlist,
                    score=match.score,
                    kind=match.kind,
                    payload=match.to_dict(),
                    channels=channels,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["article_id", "watchlist"])
                .returning(matches_table.c.id)
            ).scalar()
            if new_id is None:
                continue
            match_ids.append(int(new_id))
            for channel in channels:
                if channel not in best_per_channel:  # sorted best first: first one wins
                    best_per_channel[channel] = (match.score, int(new_id))
        delivery_ids: list[int] = []
        for channel, (_score, match_id) in best_per_channel.items():
            new_delivery = conn.execute(
                self._insert(deliveries)
                .values(
                    article_id=article_id,
                    match_id=match_id,
                    channel=channel,
                    status="pending",
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["article_id", "channel"])
                .returning(deliveries.c.id)
            ).scalar()
            if new_delivery is not None:
                delivery_ids.append(int(new_delivery))
        return tuple(match_ids), tuple(delivery_ids)

    # -- ArticleStore: crawl state ---------------------------------------------------------------

    def get_source_state(self, name: str) -> SourceState | None:
        """The crawl state of source ``name``, or None before its first run."""
        with self._tx("get_source_state") as conn:
            row = conn.execute(select(sources).where(sources.c.name == name)).first()
        return _source_state(row._mapping) if row is not None else None

    def save_source_state(self, state: SourceState) -> None:
        """Insert or replace the crawl state of ``state.name``."""
        values = _source_values(state)
        with self._tx("save_source_state", write=True) as conn:
            stmt = self._insert(sources).values(**values)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"],
                    set_={k: v for k, v in values.items() if k != "name"},
                )
            )

    def list_source_states(self) -> list[SourceState]:
        """Crawl state of every source that has run, by name."""
        with self._tx("list_source_states") as conn:
            rows = conn.execute(select(sources).order_by(sources.c.name)).all()
        return [_source_state(row._mapping) for row in rows]

    def record_run(self, run: CrawlRunRecord) -> int:
        """Store the stats of one crawl; returns its id."""
        with self._tx("record_run", write=True) as conn:
            new_id = conn.execute(
                crawl_runs.insert()
                .values(
                    source=run.source,
                    started=run.started,
                    finished=run.finished,
                    requests=run.requests,
                    not_modified=run.not_modified,
                    new_articles=run.new_articles,
                    duplicates=run.duplicates,
                    errors=run.errors,
                    dropped=dict(run.dropped),
                    error=run.error,
                )
                .returning(crawl_runs.c.id)
            ).scalar_one()
        return int(new_id)

    def recent_runs(self, source: str, limit: int = 10) -> list[CrawlRunRecord]:
        """The last ``limit`` crawls of ``source``, newest first."""
        with self._tx("recent_runs") as conn:
            rows = conn.execute(
                select(crawl_runs)
                .where(crawl_runs.c.source == source)
                .order_by(crawl_runs.c.started.desc(), crawl_runs.c.id.desc())
                .limit(limit)
            ).all()
        return [
            CrawlRunRecord(
                source=row.source,
                started=row.started,
                finished=row.finished,
                requests=row.requests,
                not_modified=row.not_modified,
                new_articles=row.new_articles,
                duplicates=row.duplicates,
                errors=row.errors,
                dropped={str(k): int(v) for k, v in (row.dropped or {}).items()},
                error=row.error,
            )
            for row in rows
        ]

    # -- queries for the service -------------------------------------------------------------------

    def list_matches(
        self, since: datetime, watchlist: str | None = None, limit: int = 200
    ) -> list[StoredMatch]:
        """Matches stored since ``since`` (optionally of one watchlist), newest first."""
        query = (
            select(
                matches_table.c.id,
                matches_table.c.article_id,
                matches_table.c.payload,
                matches_table.c.created_at,
                articles.c.title,
                articles.c.url,
                articles.c.source,
                articles.c.published,
            )
            .join(articles, articles.c.id == matches_table.c.article_id)
            .where(matches_table.c.created_at >= since)
            .order_by(matches_table.c.created_at.desc(), matches_table.c.id.desc())
            .limit(limit)
        )
        if watchlist is not None:
            query = query.where(matches_table.c.watchlist == watchlist)
        with self._tx("list_matches") as conn:
            rows = conn.execute(query).all()
        return [
            StoredMatch(
                match_id=row.id,
                article_id=row.article_id,
                title=row.title,
                url=row.url,
                source=row.source,
                published=row.published,
                match=Match.from_dict(row.payload),
                created_at=row.created_at,
            )
            for row in rows
        ]

    def articles_since(
        self, since: datetime
    ) -> Iterator[tuple[int, str, str, str, datetime | None]]:
        """(id, title, text, source, published) of articles created since ``since``, oldest first.

        Read in pages by id, so no connection stays open while the caller rematches a page.
        """
        last_id = 0
        while True:
            with self._tx("articles_since") as conn:
                rows = conn.execute(
                    select(
                        articles.c.id,
                        articles.c.title,
                        articles.c.text,
                        articles.c.source,
                        articles.c.published,
                    )
                    .where(articles.c.created_at >= since, articles.c.id > last_id)
                    .order_by(articles.c.id)
                    .limit(_CHUNK)
                ).all()
            for row in rows:
                yield (int(row.id), row.title, row.text, row.source, row.published)
            if len(rows) < _CHUNK:
                return
            last_id = int(rows[-1].id)

    def purge(self, before: datetime, *, seen_before: datetime | None = None) -> dict[str, int]:
        """Delete articles created before ``before`` with their matches, links and finished rows.

        Articles that still have a pending delivery are kept until it is sent or fails. Their
        URLs stay in ``seen_urls`` (article_id set to NULL) so that feeds that keep listing old
        entries do not make us download and alert on them again; seen URLs are only dropped
        when ``seen_before`` is given, and then only those first seen before it that no longer
        point at an article. Crawl runs started before ``before`` go too. Returns rows deleted
        per table.
        """
        pending = select(deliveries.c.article_id).where(deliveries.c.status == "pending")
        old = select(articles.c.id).where(
            articles.c.created_at < before, articles.c.id.not_in(pending)
        )
        counts: dict[str, int] = {}
        with self._tx("purge", write=True) as conn:
            ids = [int(i) for i in conn.execute(old).scalars()]
            for name, table in (
                ("deliveries", deliveries),
                ("matches", matches_table),
                ("article_links", article_links),
            ):
                counts[name] = 0
                for chunk in _chunks(ids):
                    counts[name] += conn.execute(
                        delete(table).where(table.c.article_id.in_(chunk))
                    ).rowcount
            counts["articles"] = 0
            for chunk in _chunks(ids):
                conn.execute(
                    update(seen_urls)
                    .where(seen_urls.c.article_id.in_(chunk))
                    .values(article_id=None)
                )
                counts["articles"] += conn.execute(
                    delete(articles).where(articles.c.id.in_(chunk))
                ).rowcount
            counts["seen_urls"] = 0
            if seen_before is not None:
                counts["seen_urls"] = conn.execute(
                    delete(seen_urls).where(
                        seen_urls.c.first_seen < seen_before, seen_urls.c.article_id.is_(None)
                    )
                ).rowcount
            counts["crawl_runs"] = conn.execute(
                delete(crawl_runs).where(crawl_runs.c.started < before)
            ).rowcount
        return counts

    def counts(self) -> dict[str, int]:
        """Row count of every table (``status``-style overview)."""
        tables = {
            "sources": sources,
            "http_validators": http_validators,
            "articles": articles,
            "seen_urls": seen_urls,
            "article_links": article_links,
            "matches": matches_table,
            "deliveries": deliveries,
            "crawl_runs": crawl_runs,
        }
        with self._tx("counts") as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in tables.items()
            }

    # -- OutboxStore -----------------------------------------------------------------------------

    def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int, channel: str | None = None
    ) -> list[Delivery]:
        """Lease up to ``limit`` due pending rows with a free lease, oldest first.

        PostgreSQL skips rows another claimant has locked (``FOR UPDATE SKIP LOCKED``); SQLite
        runs the select and the lease update in one ``BEGIN IMMEDIATE`` transaction, which
        excludes every other writer, in this process or another.
        """
        if limit <= 0:
            return []
        query = (
            select(deliveries.c.id)
            .where(
                deliveries.c.status == "pending",
                deliveries.c.next_attempt_at <= now,
                or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
            )
            .order_by(deliveries.c.created_at, deliveries.c.id)
            .limit(limit)
        )
        if channel is not None:
            query = query.where(deliveries.c.channel == channel)
        if self._backend == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self._tx("claim_due", write=True) as conn:
            ids = [int(i) for i in conn.execute(query).scalars()]
            if not ids:
                return []
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(ids))
                .values(lease_until=lease_until, updated_at=now)
            )
            claimed = self._load_deliveries(conn, ids)
        order = {delivery_id: i for i, delivery_id in enumerate(ids)}
        return sorted(claimed, key=lambda d: order[d.id])

    def _load_deliveries(self, conn: Connection, ids: Sequence[int]) -> list[Delivery]:
        """Deliveries ``ids`` with their alerts: the article and every match routed there."""
        if not ids:
            return []
        rows: list[Row[Any]] = []
        for chunk in _chunks(ids):
            rows.extend(
                conn.execute(
                    select(
                        deliveries,
                        articles.c.title,
                        articles.c.url,
                        articles.c.source,
                        articles.c.published,
                    )
                    .join(articles, articles.c.id == deliveries.c.article_id)
                    .where(deliveries.c.id.in_(chunk))
                ).all()
            )
        article_ids = sorted({int(row.article_id) for row in rows})
        by_article: dict[int, list[Any]] = {}
        for chunk in _chunks(article_ids):
            for m in conn.execute(
                select(
                    matches_table.c.id,
                    matches_table.c.article_id,
                    matches_table.c.payload,
                    matches_table.c.channels,
                    matches_table.c.score,
                ).where(matches_table.c.article_id.in_(chunk))
            ):
                by_article.setdefault(int(m.article_id), []).append(m)
        result: list[Delivery] = []
        for row in rows:
            routed = [
                m
                for m in by_article.get(int(row.article_id), [])
                if m.id == row.match_id or row.channel in (m.channels or [])
            ]
            routed.sort(key=lambda m: (-m.score, m.id))
            alert = Alert(
                article_id=int(row.article_id),
                title=row.title,
                url=row.url,
                source=row.source,
                published=row.published,
                matches=tuple(Match.from_dict(m.payload) for m in routed),
            )
            result.append(
                Delivery(
                    id=int(row.id),
                    channel=row.channel,
                    status=cast(DeliveryStatus, row.status),
                    attempts=row.attempts,
                    created_at=row.created_at,
                    next_attempt_at=row.next_attempt_at,
                    alert=alert,
                    last_error=row.last_error,
                    sent_at=row.sent_at,
                )
            )
        return result

    def get_delivery(self, delivery_id: int) -> Delivery | None:
        """One outbox row with its alert, or None."""
        with self._tx("get_delivery") as conn:
            found = self._load_deliveries(conn, [delivery_id])
        return found[0] if found else None

    def mark_sent(self, delivery_id: int, *, now: datetime) -> None:
        """Record a successful send: counts the attempt and releases the lease."""
        self._update_delivery(
            "mark_sent",
            delivery_id,
            status="sent",
            sent_at=now,
            lease_until=None,
            last_error=None,
            updated_at=now,
            attempts=deliveries.c.attempts + 1,
        )

    def mark_retry(self, delivery_id: int, *, next_attempt_at: datetime, error: str) -> None:
        """Release the lease, count the attempt, and make the row due again later."""
        self._update_delivery(
            "mark_retry",
            delivery_id,
            status="pending",
            next_attempt_at=next_attempt_at,
            lease_until=None,
            last_error=error,
            updated_at=self._clock(),
            attempts=deliveries.c.attempts + 1,
        )

    def mark_failed(self, delivery_id: int, *, now: datetime, error: str) -> None:
        """Give up on the row (permanent error or retry window over); counts the attempt."""
        self._update_delivery(
            "mark_failed",
            delivery_id,
            status="failed",
            lease_until=None,
            last_error=error,
            updated_at=now,
            attempts=deliveries.c.attempts + 1,
        )

    def _update_delivery(self, what: str, delivery_id: int, **values: Any) -> None:
        with self._tx(what, write=True) as conn:
            done = conn.execute(
                update(deliveries).where(deliveries.c.id == delivery_id).values(**values)
            ).rowcount
        if done == 0:
            raise StoreError(f"{what}: no delivery with id {delivery_id}")

    def release(self, delivery_ids: Sequence[int]) -> None:
        """Release leases without counting an attempt (held by quiet hours, shutdown)."""
        ids = list(delivery_ids)
        if not ids:
            return
        with self._tx("release", write=True) as conn:
            for chunk in _chunks(ids):
                conn.execute(
                    update(deliveries)
                    .where(deliveries.c.id.in_(chunk), deliveries.c.status == "pending")
                    .values(lease_until=None)
                )

    def sent_count_since(self, channel: str, since: datetime) -> int:
        """Deliveries marked sent on ``channel`` since ``since`` (storm protection)."""
        with self._tx("sent_count_since") as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(deliveries)
                    .where(
                        deliveries.c.channel == channel,
                        deliveries.c.status == "sent",
                        deliveries.c.sent_at >= since,
                    )
                ).scalar_one()
            )

    def list_deliveries(self, status: DeliveryStatus, limit: int = 100) -> list[Delivery]:
        """Rows with ``status``: pending ones next due first, sent and failed ones newest first."""
        order: list[ColumnElement[Any]]
        if status == "pending":
            order = [deliveries.c.next_attempt_at, deliveries.c.id]
        else:
            order = [deliveries.c.updated_at.desc(), deliveries.c.id.desc()]
        with self._tx("list_deliveries") as conn:
            ids = [
                int(i)
                for i in conn.execute(
                    select(deliveries.c.id)
                    .where(deliveries.c.status == status)
                    .order_by(*order)
                    .limit(limit)
                ).scalars()
            ]
            found = self._load_deliveries(conn, ids)
        position = {delivery_id: i for i, delivery_id in enumerate(ids)}
        return sorted(found, key=lambda d: position[d.id])

    def retry_failed(self, delivery_ids: Sequence[int] | None = None) -> int:
        """Make failed rows pending again, due now with a fresh attempt count; returns how many.

        The attempt count restarts at 0 so a manual retry gets the full retry policy again.
        """
        now = self._clock()
        values = {
            "status": "pending",
            "next_attempt_at": now,
            "lease_until": None,
            "attempts": 0,
            "updated_at": now,
        }
        with self._tx("retry_failed", write=True) as conn:
            if delivery_ids is None:
                return int(
                    conn.execute(
                        update(deliveries).where(deliveries.c.status == "failed").values(**values)
                    ).rowcount
                )
            total = 0
            for chunk in _chunks(list(delivery_ids)):
                total += conn.execute(
                    update(deliveries)
                    .where(deliveries.c.status == "failed", deliveries.c.id.in_(chunk))
                    .values(**values)
                ).rowcount
            return total

    def outbox_counts(self) -> dict[str, int]:
        """Counts by status: ``{"pending": n, "sent": n, "failed": n}``."""
        result = {"pending": 0, "sent": 0, "failed": 0}
        with self._tx("outbox_counts") as conn:
            for status, count in conn.execute(
                select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
            ):
                result[str(status)] = int(count)
        return result


# ``matches`` is also a common parameter name in this module; the alias keeps the table apart.
matches_table = matches


def _source_values(state: SourceState) -> dict[str, Any]:
    return {
        "name": state.name,
        "last_run": state.last_run,
        "last_success": state.last_success,
        "last_error": state.last_error,
        "consecutive_failures": state.consecutive_failures,
        "items_seen": state.items_seen,
        "new_articles_total": state.new_articles_total,
        "last_new_article": state.last_new_article,
        "status": state.status,
        "next_due": state.next_due,
        "last_items_at": state.last_items_at,
    }


def _source_state(row: RowMapping) -> SourceState:
    return SourceState(
        name=row["name"],
        last_run=row["last_run"],
        last_success=row["last_success"],
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"],
        items_seen=row["items_seen"],
        new_articles_total=row["new_articles_total"],
        last_new_article=row["last_new_article"],
        status=row["status"],
        next_due=row["next_due"],
        last_items_at=row["last_items_at"],
    )
