"""The data and the raw connection behind ``bench/store.py``, for SQLite and PostgreSQL.

:func:`fill` writes a store the way a long-running service would have grown it: ``n`` articles
spread over 200 days, their seen URLs plus half as many dropped or duplicate ones (a duplicate
link for one article in ten), a match on one article in ten with a delivery per channel (the
newest 50 still pending, one in ~1,000 failed, the rest sent), ``n / 5`` crawl runs over 100
sources. Rows are generated from a seed and written with the database's own bulk path
(``executemany`` in one transaction on SQLite, ``COPY`` on PostgreSQL), into tables whose
indexes the caller builds afterwards. :class:`Raw` is the plain DB-API connection that the
anchors of the benchmark use: the same ``?`` placeholders on both backends.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from crawler.matching.types import Amount, EntityRef, Evidence, Match
from scheduler.store.articles import signed64, simhash_bands

SPAN = timedelta(days=200)
SOURCES = 100
_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy keeps a DateTime in SQLite
_WORDS = "ai model chips deal talent hires startup funding round lab research team"


class Raw:
    """A plain DB-API connection to the store's database (autocommit; ``?`` placeholders)."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            self.backend = "sqlite"
            self._conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self._conn.execute("PRAGMA foreign_keys=ON")  # as the store's connections run
        else:
            self.backend = "postgresql"
            conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
            self._conn = psycopg.connect(conninfo, autocommit=True)

    def _sql(self, sql: str) -> str:
        return sql if self.backend == "sqlite" else sql.replace("?", "%s")

    def _param(self, value: Any) -> Any:
        if self.backend == "sqlite" and isinstance(value, datetime):
            return value.astimezone(UTC).strftime(_TIME)
        return value

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = self._conn.execute(self._sql(sql), [self._param(p) for p in params])
        return list(cursor.fetchall()) if cursor.description is not None else []

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(self._sql(sql), [self._param(p) for p in params])

    def begin(self) -> None:
        self.run("BEGIN IMMEDIATE" if self.backend == "sqlite" else "BEGIN")

    def commit(self) -> None:
        self.run("COMMIT")

    def write(self, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
        """Bulk-insert ``rows`` (``columns`` space-separated): ``executemany`` on SQLite,
        ``COPY`` on PostgreSQL."""
        names = ", ".join(columns.split())
        if self.backend == "sqlite":
            marks = ", ".join("?" * len(columns.split()))
            self._conn.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                ([self._param(v) for v in row] for row in rows),
            )
            return
        with self._conn.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)

    def size_mb(self) -> float:
        if self.backend == "sqlite":
            pages = self.rows("PRAGMA page_count")[0][0] * self.rows("PRAGMA page_size")[0][0]
        else:
            pages = self.rows(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            )[0][0]
        return round(int(pages) / 2**20, 1)

    def close(self) -> None:
        self._conn.close()


def _payload(watchlist: str) -> str:
    match = Match(
        watchlist=watchlist,
        score=0.8,
        kind="deal",
        entities=(EntityRef("Meta", "acquirer"), EntityRef("Scale AI", "target")),
        amounts=(Amount(14.3e9, "USD", "$14.3 billion"),),
        evidence=(Evidence("Meta buys Scale AI for $14.3 billion.", ((0, 4),), "title"),),
        notify=("slack",),
    )
    return json.dumps(match.to_dict())


def fill(raw: Raw, n: int, text_bytes: int, now: datetime, seed: int) -> dict[str, int]:
    """Write ``n`` articles and what hangs off them (see the module docstring)."""
    rng = random.Random(seed)
    words = _WORDS.split()
    texts = [
        " ".join(rng.choice(words) for _ in range(text_bytes // 6))[:text_bytes] for _ in range(64)
    ]
    start = now - SPAN
    step = SPAN / n
    matched = range(0, n, 10)

    def articles() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            fp = signed64(rng.getrandbits(64))
            at = start + step * i
            url = f"https://news.example/{i}"
            yield (
                i + 1, f"src{i % SOURCES}", url, url, f"Title {i}", texts[i % len(texts)], at,
                '["Ada"]', "en", fp, *simhash_bands(fp), f"{i:064x}", at, at,
            )  # fmt: skip

    def seen() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            at = start + step * i
            yield (f"https://news.example/{i}", f"src{i % SOURCES}", "stored", i + 1, at)
            if i % 2 == 0:  # a duplicate of it elsewhere (one in ten), or an entry dropped
                duplicate = i % 10 == 0
                status, target = ("duplicate", i + 1) if duplicate else ("dropped:short", None)
                yield (f"https://other.example/{i}", "other", status, target, at)

    payloads = [_payload("ai-deals"), _payload("ai-hiring")]
    watchlists = ["ai-deals", "ai-hiring"]
    channels = '["slack", "email"]'

    def matches() -> Iterator[tuple[Any, ...]]:
        for j, i in enumerate(matched):
            at = start + step * i
            yield (j + 1, i + 1, watchlists[j % 2], 0.8, "deal", payloads[j % 2], channels, at)

    def deliveries() -> Iterator[tuple[Any, ...]]:
        recent = len(matched) - 50  # the newest matches are still being delivered
        for j, i in enumerate(matched):
            at = start + step * i
            status = "pending" if j >= recent else "failed" if j % 997 == 0 else "sent"
            sent = at if status == "sent" else None
            for channel in ("slack", "email"):
                yield (i + 1, j + 1, channel, status, 1, at, at, sent, at)

    def runs() -> Iterator[tuple[Any, ...]]:
        count = n // 5
        for k in range(count):
            at = start + SPAN / count * k
            yield (f"src{k % SOURCES}", at, at, 3, 2, 1, 0, 0, "{}")

    raw.begin()
    raw.write(
        "articles",
        "id source url fetched_url title text published authors language fingerprint band0"
        " band1 band2 band3 content_hash discovered_at created_at",
        articles(),
    )
    raw.write("seen_urls", "url source status article_id first_seen", seen())
    raw.run(
        "INSERT INTO article_links (url, article_id, source, created_at) SELECT url, article_id,"
        " source, first_seen FROM seen_urls WHERE status = 'duplicate'"
    )
    raw.write(
        "matches", "id article_id watchlist score kind payload channels created_at", matches()
    )
    raw.write(
        "deliveries",
        "article_id match_id channel status attempts created_at next_attempt_at sent_at updated_at",
        deliveries(),
    )
    raw.write(
        "crawl_runs",
        "source started finished requests not_modified new_articles duplicates errors dropped",
        runs(),
    )
    raw.write(
        "sources",
        "name last_run last_success consecutive_failures items_seen new_articles_total status",
        ((f"src{s}", now, now, 0, 20, n // SOURCES, "ok") for s in range(SOURCES)),
    )
    if raw.backend == "postgresql":  # ids were given: move the sequences past them
        for table in ("articles", "matches", "deliveries", "crawl_runs"):
            raw.run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
    raw.commit()
    tables = ("articles", "seen_urls", "article_links", "matches", "deliveries", "crawl_runs")
    return {t: int(raw.rows(f"SELECT count(*) FROM {t}")[0][0]) for t in tables}
