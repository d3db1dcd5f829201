"""Benchmark of the store at volume: seen checks, match listing, status and retention, as JSON.

For each size (100k and 500k articles by default) it fills a store as a long-running service would
have grown it (:mod:`bench.store_fill`: articles over 200 days, seen URLs, matches, an outbox,
crawl runs, 100 sources), its indexes built afterwards by :func:`scheduler.store.open_store` (the
path an older database takes to get new ones). It then times the real :class:`~scheduler.store.
Store` methods: a seen check of 100 listing URLs, the near-duplicate lookup of a new article,
``list_matches`` over 30 days (a full page of 200 at every size, so the cost should stay flat),
of all watchlists and of one, what ``newswatch status`` reads, and a purge of the 1,000 oldest
articles -- each as CPU and wall seconds per call (median of repeated calls; the purge once).

The anchor of each figure is the same SQL sent through a plain DB-API connection on the same
database in the same run (for retention: the 1,000 oldest articles before them deleted by hand
in one transaction, indexes present). A ratio near 1 says the store adds little to what the
database has to do; a ratio or a CPU figure that grows with size (``cpu_growth_largest_over_
smallest``) says it does work that grows with the data. Retention also reports its number of
transactions and the longest one (``BEGIN`` to the connection's return to the pool, so a WAL
checkpoint run after the commit counts too), and on SQLite the longest wait of a second process
writing meanwhile (``BEGIN IMMEDIATE`` with SQLite's busy handler, as a crawl waits), during a
purge by the store and one by the anchor, each of the next 1,000 (untimed: the writer's CPU and
lock turns would blur the timings). The issue's target: retention of 1,000
articles at 500k within 0.5 s.

    .venv/bin/python bench/store.py [--sizes 100000,500000] [--text-bytes 2000]
        [--db-url postgresql://postgres@127.0.0.1:5432/test] [--drop-index NAME ...]

SQLite by default (a file in a temporary directory; the service never runs ``ANALYZE`` there, so
neither does the bench); with ``--db-url`` a PostgreSQL schema of its own, dropped afterwards,
analysed after the fill as autovacuum would; there the server works in its own processes, so
``cpu_s`` is the client's share only and ``wall_s`` is the figure to compare. ``--drop-index``
removes an index before timing, to measure what it saves.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.store_fill import SOURCES, Raw, fill
from scheduler.store import Store, open_store
from scheduler.store.articles import signed64, simhash_bands
from scheduler.store.retention import BATCH
from scheduler.store.schema import metadata

PURGE = 1000


def per_call(fn: Callable[[], object], reps: int) -> dict[str, float]:
    """CPU and wall seconds per call of ``fn``: the median of ``reps`` calls after one warm-up."""
    fn()
    cpu, wall = [], []
    for _ in range(reps):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_s": statistics.median(cpu), "wall_s": statistics.median(wall)}


def figure(store_time: dict[str, float], anchor_time: dict[str, float]) -> dict[str, Any]:
    return {
        **store_time,
        "anchor_cpu_s": anchor_time["cpu_s"],
        "anchor_wall_s": anchor_time["wall_s"],
        "ratio_cpu": store_time["cpu_s"] / max(anchor_time["cpu_s"], 1e-9),
        "ratio_wall": store_time["wall_s"] / max(anchor_time["wall_s"], 1e-9),
    }


def _in(n: int) -> str:
    return ",".join("?" * n)


def timed_reads(store: Store, raw: Raw, n: int, now: datetime) -> dict[str, Any]:
    rng = random.Random(7)
    urls = [f"https://news.example/{rng.randrange(n)}" for _ in range(50)]
    urls += [f"https://news.example/new-{k}" for k in range(50)]
    since = now - timedelta(days=30)  # a full page of 200 at every size from 100k
    fp = signed64(random.Random(3).getrandbits(64))
    bands = simhash_bands(fp)
    window = now - timedelta(days=30)
    out: dict[str, Any] = {}

    out["seen_check_100_urls"] = figure(
        per_call(lambda: store.seen_urls(urls), 200),
        per_call(
            lambda: raw.rows(
                f"SELECT url FROM seen_urls WHERE url IN ({_in(len(urls))})", sorted(urls)
            ),
            200,
        ),
    )
    out["near_duplicate_lookup"] = figure(
        per_call(lambda: store.find_near_duplicate(fp, max_distance=3), 200),
        per_call(
            lambda: raw.rows(
                "SELECT id, fingerprint FROM articles WHERE created_at >= ? AND (band0 = ? OR"
                " band1 = ? OR band2 = ? OR band3 = ?)",
                (window, *bands),
            ),
            200,
        ),
    )
    listing = (
        "SELECT m.id, m.article_id, m.payload, m.created_at, a.title, a.url, a.source,"
        " a.published FROM matches m JOIN articles a ON a.id = m.article_id"
        " WHERE m.created_at >= ? {} ORDER BY m.created_at DESC, m.id DESC LIMIT 200"
    )
    out["list_matches_30_days"] = figure(
        per_call(lambda: store.list_matches(since), 20),
        per_call(lambda: raw.rows(listing.format(""), (since,)), 20),
    )
    out["list_matches_one_watchlist"] = figure(
        per_call(lambda: store.list_matches(since, watchlist="ai-hiring"), 20),
        per_call(
            lambda: raw.rows(listing.format("AND m.watchlist = ?"), (since, "ai-hiring")),
            20,
        ),
    )

    def status() -> None:  # what ``newswatch status`` reads
        store.list_source_states()
        store.outbox_counts()
        store.list_deliveries("failed", limit=20)
        for s in range(SOURCES):
            store.recent_runs(f"src{s}", limit=5)

    def raw_status() -> None:
        raw.rows("SELECT * FROM sources ORDER BY name")
        raw.rows("SELECT status, count(*) FROM deliveries GROUP BY status")
        ids = [
            r[0]
            for r in raw.rows(
                "SELECT id FROM deliveries WHERE status = 'failed'"
                " ORDER BY updated_at DESC, id DESC LIMIT 20"
            )
        ]
        raw.rows(
            f"SELECT d.*, a.title FROM deliveries d JOIN articles a ON a.id = d.article_id"
            f" WHERE d.id IN ({_in(len(ids))})",
            ids,
        )
        for s in range(SOURCES):
            raw.rows(
                "SELECT * FROM crawl_runs WHERE source = ? ORDER BY started DESC, id DESC LIMIT 5",
                (f"src{s}",),
            )

    out["status"] = figure(per_call(status, 5), per_call(raw_status, 5))
    return out


def _oldest(raw: Raw, count: int) -> tuple[list[int], datetime]:
    """Ids of the ``count`` oldest articles without a pending delivery, and the next one's time."""
    rows = raw.rows(
        "SELECT id, created_at FROM articles WHERE id NOT IN (SELECT article_id FROM deliveries"
        " WHERE status = 'pending') ORDER BY created_at LIMIT ?",
        (count + 1,),
    )
    before = rows[count][1]
    if isinstance(before, str):  # SQLite keeps naive UTC text
        before = datetime.fromisoformat(before).replace(tzinfo=UTC)
    return [int(r[0]) for r in rows[:count]], before


def raw_purge(raw: Raw) -> dict[str, float]:
    """The anchor: the 1,000 oldest articles deleted by hand in one transaction."""
    ids, before = _oldest(raw, PURGE)
    c0, w0 = time.process_time(), time.perf_counter()
    raw.begin()
    marks = _in(len(ids))
    for table in ("deliveries", "matches", "article_links"):
        raw.rows(f"DELETE FROM {table} WHERE article_id IN ({marks})", ids)
    raw.rows(f"UPDATE seen_urls SET article_id = NULL WHERE article_id IN ({marks})", ids)
    raw.rows(f"DELETE FROM articles WHERE id IN ({marks})", ids)
    raw.rows("DELETE FROM crawl_runs WHERE started < ?", (before,))
    raw.commit()
    return {"cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - w0}


def store_purge(store: Store, raw: Raw, batch: int) -> dict[str, Any]:
    """The store's purge of the next 1,000 oldest, with the length of each write transaction."""
    _ids, cutoff = _oldest(raw, PURGE)
    spans: list[float] = []
    opened: list[float] = []

    def on_begin(_conn: Any) -> None:
        opened.append(time.perf_counter())

    def on_checkin(_dbapi: Any, _record: Any) -> None:
        if opened:
            spans.append(time.perf_counter() - opened.pop())

    event.listen(store.engine, "begin", on_begin)
    event.listen(store.engine, "checkin", on_checkin)
    try:
        c0, w0 = time.process_time(), time.perf_counter()
        removed = store.purge(cutoff, batch=batch)
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    finally:
        event.remove(store.engine, "begin", on_begin)
        event.remove(store.engine, "checkin", on_checkin)
    return {
        "cpu_s": cpu,
        "wall_s": wall,
        "removed": removed,
        "transactions": len(spans),
        "median_transaction_s": statistics.median(spans) if spans else 0.0,
        "longest_transaction_s": max(spans, default=0.0),
    }


def _probe(path: str, ready: Any, stop: Any, out: Any) -> None:
    """Another writer, as a crawl is: how long does ``BEGIN IMMEDIATE`` wait for the lock?"""
    conn = sqlite3.connect(path, isolation_level=None, timeout=60.0)
    waits = [0.0]
    ready.set()
    while not stop.is_set():
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        waits.append(time.perf_counter() - t0)
        conn.execute("UPDATE sources SET items_seen = items_seen + 1 WHERE name = 'src0'")
        conn.execute("COMMIT")
        time.sleep(0.005)
    conn.close()
    out.put(max(waits))


@contextmanager
def writer_probe(url: str) -> Iterator[dict[str, float]]:
    """On SQLite, a second process writing while the block runs; fills in its longest wait.

    Its busy handler backs off as the service's does, so the wait is what a crawl would see.
    """
    found: dict[str, float] = {}
    if not url.startswith("sqlite:///"):
        yield found
        return
    ctx = mp.get_context("spawn")
    ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    child = ctx.Process(target=_probe, args=(url.removeprefix("sqlite:///"), ready, stop, out))
    child.start()
    try:
        ready.wait(60)
        time.sleep(0.1)
        yield found
    finally:
        stop.set()
        found["longest_writer_wait_s"] = float(out.get(timeout=120))
        child.join(60)


@contextmanager
def database(args: argparse.Namespace, tmp: Path, n: int) -> Iterator[str]:
    """A URL for an empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if args.db_url is None:
        path = tmp / f"store-{n}.sqlite"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    schema = f"bench_store_{n}_{os.getpid()}"
    admin = psycopg.connect(args.db_url, autocommit=True)
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        base = args.db_url.split("://", 1)[1]
        joiner = "&" if "?" in base else "?"
        yield f"postgresql+psycopg://{base}{joiner}options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def run_size(n: int, args: argparse.Namespace, url: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    with open_store(url) as empty, empty.engine.begin() as conn:
        for table in metadata.tables.values():  # filled without indexes, built after
            for index in table.indexes:
                conn.exec_driver_sql(f"DROP INDEX {index.name}")
    raw = Raw(url)
    store: Store | None = None
    try:
        w0 = time.perf_counter()
        rows = fill(raw, n, args.text_bytes, now, seed=n)
        fill_s = time.perf_counter() - w0
        w0 = time.perf_counter()
        store = open_store(url)
        index_s = time.perf_counter() - w0
        if raw.backend == "postgresql":
            raw.run("ANALYZE")  # this schema's tables only: the search path holds nothing else
        for name in args.drop_index:
            raw.run(f"DROP INDEX {name}")
        result: dict[str, Any] = {
            "rows": rows,
            "db_mb": raw.size_mb(),
            "fill_wall_s": round(fill_s, 1),
            "index_build_wall_s": round(index_s, 1),
            **timed_reads(store, raw, n, now),
        }
        anchor = raw_purge(raw)
        purge = store_purge(store, raw, args.batch)
        # Then the next 1,000 twice more, each with another writer at work (not timed).
        with writer_probe(url) as anchor_wait:
            raw_purge(raw)
        with writer_probe(url) as purge_wait:
            store_purge(store, raw, args.batch)
        result["retention_1000_oldest"] = {
            **figure(purge, anchor),
            **purge_wait,
            "anchor_longest_writer_wait_s": anchor_wait.get("longest_writer_wait_s"),
            "target_wall_s": 0.5,
        }
    finally:
        raw.close()
        if store is not None:
            store.close()
    return result


def _rounded(value: Any) -> Any:
    """Floats to 4 significant digits, for a readable report."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _growth(sizes: dict[str, dict[str, Any]]) -> dict[str, float]:
    """CPU per call at the largest size over the smallest: 1 when cost stays flat."""
    if len(sizes) < 2:
        return {}
    small, large = (sizes[k] for k in sorted(sizes, key=int)[:: len(sizes) - 1])
    return {
        name: large[name]["cpu_s"] / max(small[name]["cpu_s"], 1e-9)
        for name, value in small.items()
        if isinstance(value, dict) and "cpu_s" in value
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,500000", help="comma-separated article counts")
    parser.add_argument("--text-bytes", type=int, default=2000, help="article body size")
    parser.add_argument("--batch", type=int, default=BATCH, help="purge batch (store default)")
    parser.add_argument("--drop-index", action="append", default=[], metavar="NAME")
    parser.add_argument("--dir", type=Path, default=None, help="where SQLite files go (tmp)")
    parser.add_argument("--db-url", default=None, help="a PostgreSQL database to use instead")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if any(n < 20 * PURGE for n in sizes):
        parser.error(f"sizes must be at least {20 * PURGE} articles")
    figures = {}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for n in sizes:
            with database(args, Path(tmp), n) as url:
                figures[str(n)] = run_size(n, args, url)
    report: dict[str, Any] = {
        "bench": "store",
        "backend": "sqlite" if args.db_url is None else "postgresql",
        "text_bytes": args.text_bytes,
        "dropped_indexes": args.drop_index,
        "purge_batch": args.batch,
        "anchor": "the same SQL on a plain DB-API connection, same database, same run",
        "sizes": figures,
    }
    report["cpu_growth_largest_over_smallest"] = _growth(report["sizes"])
    print(json.dumps(_rounded(report), indent=2))


if __name__ == "__main__":
    main()
