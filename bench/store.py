"""Benchmark of the store at volume: seen checks, match listing, status and retention, as JSON.

For each size (100k and 500k articles by default) it builds a SQLite store the way a long-running
service would have grown it -- articles spread over 200 days, their seen URLs plus half as many
dropped or duplicate ones, a match on one article in ten with a delivery per channel (nearly all
sent), crawl runs, 100 sources -- filled with raw ``sqlite3`` in one transaction per table and its
indexes built afterwards by :func:`scheduler.store.open_store` (the path an older database takes
to get new indexes). It then times, through the real :class:`~scheduler.store.Store` methods, a
seen check of 100 listing URLs, the near-duplicate lookup of a new article, ``list_matches`` (all
watchlists, and one), what ``newswatch status`` reads, and a purge of the 1,000 oldest articles,
each as CPU and wall seconds per call. The anchor of each figure is the same SQL sent with raw
``sqlite3`` on the same database in the same run (for retention: the 1,000 oldest articles
before them deleted by hand in one transaction, indexes present), so a ratio near 1 says the
store adds little over the database's own cost, and a ratio that grows with size says it does
something the database does not need to. Retention also reports its longest write transaction
(from ``BEGIN`` to the connection's return to the pool), which is how long crawls wait for it.

    .venv/bin/python bench/store.py [--sizes 100000,500000] [--text-bytes 2000]

``--drop-index NAME`` (repeatable) removes an index before timing, to measure what it saves.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from crawler.matching.types import Amount, EntityRef, Evidence, Match
from scheduler.store import Store, open_store
from scheduler.store.articles import signed64, simhash_bands
from scheduler.store.retention import BATCH
from scheduler.store.schema import metadata

SPAN = timedelta(days=200)
SOURCES = 100
PURGE = 1000
_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy keeps a DateTime in SQLite


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_TIME)


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


def fill(path: Path, n: int, text_bytes: int, now: datetime, seed: int) -> dict[str, int]:
    """Write ``n`` articles and what hangs off them into the (index-less) store at ``path``."""
    rng = random.Random(seed)
    words = [
        "ai",
        "model",
        "chips",
        "deal",
        "talent",
        "hires",
        "startup",
        "funding",
        "round",
        "lab",
        "research",
        "team",
    ]
    texts = [
        " ".join(rng.choice(words) for _ in range(text_bytes // 6))[:text_bytes] for _ in range(64)
    ]
    start = now - SPAN
    step = SPAN / n
    payloads = {w: _payload(w) for w in ("ai-deals", "ai-hiring")}
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")

    def articles() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            fp = signed64(rng.getrandbits(64))
            at = _ts(start + step * i)
            yield (
                i + 1, f"src{i % SOURCES}", f"https://news.example/{i}", f"https://news.example/{i}",
                f"Title {i}", texts[i % len(texts)], at, '["Ada"]', "en", None, fp,
                *simhash_bands(fp), f"{i:064x}", at, at,
            )  # fmt: skip

    conn.executemany(
        "INSERT INTO articles (id, source, url, fetched_url, title, text, published, authors,"
        " language, summary, fingerprint, band0, band1, band2, band3, content_hash,"
        " discovered_at, created_at) VALUES (" + ",".join("?" * 18) + ")",
        articles(),
    )

    def seen() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            at = _ts(start + step * i)
            yield (f"https://news.example/{i}", f"src{i % SOURCES}", "stored", i + 1, at)
            if i % 2 == 0:  # a duplicate of it elsewhere (one in ten), or an entry dropped
                duplicate = i % 10 == 0
                status, target = ("duplicate", i + 1) if duplicate else ("dropped:short", None)
                yield (f"https://other.example/{i}", "other", status, target, at)

    conn.executemany(
        "INSERT INTO seen_urls (url, source, status, article_id, first_seen) VALUES (?,?,?,?,?)",
        seen(),
    )
    conn.execute(
        "INSERT INTO article_links (url, article_id, source, created_at) SELECT url, article_id,"
        " source, first_seen FROM seen_urls WHERE status = 'duplicate'"
    )
    matched = range(0, n, 10)
    conn.executemany(
        "INSERT INTO matches (id, article_id, watchlist, score, kind, payload, channels,"
        " created_at) VALUES (?,?,?,0.8,'deal',?,'[\"slack\", \"email\"]',?)",
        (
            (j + 1, i + 1, w, payloads[w], _ts(start + step * i))
            for j, i in enumerate(matched)
            for w in [("ai-deals", "ai-hiring")[j % 2]]
        ),
    )

    def deliveries() -> Iterator[tuple[Any, ...]]:
        recent = len(matched) - 50  # the newest matches are still being delivered
        for j, i in enumerate(matched):
            at = _ts(start + step * i)
            for channel in ("slack", "email"):
                status = "pending" if j >= recent else "failed" if j % 997 == 0 else "sent"
                sent = at if status == "sent" else None
                yield (i + 1, j + 1, channel, status, at, at, sent, at)

    conn.executemany(
        "INSERT INTO deliveries (article_id, match_id, channel, status, attempts, created_at,"
        " next_attempt_at, sent_at, updated_at) VALUES (?,?,?,?,1,?,?,?,?)",
        deliveries(),
    )
    runs = n // 5
    conn.executemany(
        "INSERT INTO crawl_runs (source, started, finished, requests, not_modified,"
        " new_articles, duplicates, errors, dropped) VALUES (?,?,?,3,2,1,0,0,'{}')",
        (
            (f"src{k % SOURCES}", _ts(start + SPAN / runs * k), _ts(start + SPAN / runs * k))
            for k in range(runs)
        ),
    )
    conn.executemany(
        "INSERT INTO sources (name, last_run, last_success, consecutive_failures, items_seen,"
        " new_articles_total, status) VALUES (?,?,?,0,20,?,'ok')",
        ((f"src{s}", _ts(now), _ts(now), n // SOURCES) for s in range(SOURCES)),
    )
    conn.execute("COMMIT")
    counts = {
        t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
        for t in ("articles", "seen_urls", "article_links", "matches", "deliveries", "crawl_runs")
    }
    conn.close()
    return counts


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


def timed_reads(store: Store, raw: sqlite3.Connection, n: int, now: datetime) -> dict[str, Any]:
    rng = random.Random(7)
    urls = [f"https://news.example/{rng.randrange(n)}" for _ in range(50)]
    urls += [f"https://news.example/new-{k}" for k in range(50)]
    since = now - timedelta(days=30)  # a full page of 200 at every size from 100k
    fp = signed64(random.Random(3).getrandbits(64))
    bands = simhash_bands(fp)
    window = _ts(now - timedelta(days=30))
    out: dict[str, Any] = {}

    out["seen_check_100_urls"] = figure(
        per_call(lambda: store.seen_urls(urls), 200),
        per_call(
            lambda: raw.execute(
                f"SELECT url FROM seen_urls WHERE url IN ({_in(len(urls))})", sorted(urls)
            ).fetchall(),
            200,
        ),
    )
    out["near_duplicate_lookup"] = figure(
        per_call(lambda: store.find_near_duplicate(fp, max_distance=3), 200),
        per_call(
            lambda: raw.execute(
                "SELECT id, fingerprint FROM articles WHERE created_at >= ? AND (band0 = ? OR"
                " band1 = ? OR band2 = ? OR band3 = ?)",
                (window, *bands),
            ).fetchall(),
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
        per_call(lambda: raw.execute(listing.format(""), (_ts(since),)).fetchall(), 20),
    )
    out["list_matches_one_watchlist"] = figure(
        per_call(lambda: store.list_matches(since, watchlist="ai-hiring"), 20),
        per_call(
            lambda: raw.execute(
                listing.format("AND m.watchlist = ?"), (_ts(since), "ai-hiring")
            ).fetchall(),
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
        raw.execute("SELECT * FROM sources ORDER BY name").fetchall()
        raw.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
        ids = [
            r[0]
            for r in raw.execute(
                "SELECT id FROM deliveries WHERE status = 'failed'"
                " ORDER BY updated_at DESC, id DESC LIMIT 20"
            )
        ]
        raw.execute(
            f"SELECT d.*, a.title FROM deliveries d JOIN articles a ON a.id = d.article_id"
            f" WHERE d.id IN ({_in(len(ids))})",
            ids,
        ).fetchall()
        for s in range(SOURCES):
            raw.execute(
                "SELECT * FROM crawl_runs WHERE source = ? ORDER BY started DESC, id DESC LIMIT 5",
                (f"src{s}",),
            ).fetchall()

    out["status"] = figure(per_call(status, 5), per_call(raw_status, 5))
    return out


def _oldest(raw: sqlite3.Connection, count: int) -> tuple[list[int], str]:
    """Ids of the ``count`` oldest articles without a pending delivery, and the next one's time."""
    rows = raw.execute(
        "SELECT id, created_at FROM articles WHERE id NOT IN (SELECT article_id FROM deliveries"
        " WHERE status = 'pending') ORDER BY created_at LIMIT ?",
        (count + 1,),
    ).fetchall()
    return [int(r[0]) for r in rows[:count]], str(rows[count][1])


def raw_purge(raw: sqlite3.Connection) -> dict[str, float]:
    """The anchor: the 1,000 oldest articles deleted by hand in one transaction."""
    ids, before = _oldest(raw, PURGE)
    c0, w0 = time.process_time(), time.perf_counter()
    raw.execute("BEGIN IMMEDIATE")
    marks = _in(len(ids))
    for table in ("deliveries", "matches", "article_links"):
        raw.execute(f"DELETE FROM {table} WHERE article_id IN ({marks})", ids)
    raw.execute(f"UPDATE seen_urls SET article_id = NULL WHERE article_id IN ({marks})", ids)
    raw.execute(f"DELETE FROM articles WHERE id IN ({marks})", ids)
    raw.execute("DELETE FROM crawl_runs WHERE started < ?", (before,))
    raw.execute("COMMIT")
    return {"cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - w0}


def store_purge(store: Store, raw: sqlite3.Connection, batch: int) -> dict[str, Any]:
    """The store's purge of the next 1,000 oldest, with the length of each write transaction."""
    _ids, before = _oldest(raw, PURGE)
    cutoff = datetime.strptime(before, _TIME).replace(tzinfo=UTC)
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
        "longest_transaction_s": max(spans, default=0.0),
    }


def run_size(n: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    path = tmp / f"store-{n}.sqlite"
    url = f"sqlite:///{path}"
    now = datetime.now(UTC)
    with open_store(url) as store, store.engine.begin() as conn:
        for table in metadata.tables.values():  # filled without indexes, built after
            for index in table.indexes:
                conn.exec_driver_sql(f"DROP INDEX {index.name}")
    w0 = time.perf_counter()
    rows = fill(path, n, args.text_bytes, now, seed=n)
    fill_s = time.perf_counter() - w0
    w0 = time.perf_counter()
    store = open_store(url)
    index_s = time.perf_counter() - w0
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA foreign_keys=ON")  # as the store's connections run
    try:
        for name in args.drop_index:
            raw.execute(f"DROP INDEX {name}")
        result: dict[str, Any] = {
            "rows": rows,
            "db_mb": round(path.stat().st_size / 2**20, 1),
            "fill_wall_s": round(fill_s, 1),
            "index_build_wall_s": round(index_s, 1),
            **timed_reads(store, raw, n, now),
        }
        anchor = raw_purge(raw)
        purge = store_purge(store, raw, args.batch)
        result["retention_1000_oldest"] = {
            **figure(purge, anchor),
            "target_wall_s": 0.5,
        }
    finally:
        raw.close()
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
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
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go (tmp)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if any(n < 20 * PURGE for n in sizes):
        parser.error(f"sizes must be at least {20 * PURGE} articles")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        report = {
            "bench": "store",
            "backend": "sqlite",
            "text_bytes": args.text_bytes,
            "dropped_indexes": args.drop_index,
            "purge_batch": args.batch,
            "anchor": "the same SQL with raw sqlite3 on the same database, same run",
            "sizes": {str(n): run_size(n, args, Path(tmp)) for n in sizes},
        }
    report["cpu_growth_largest_over_smallest"] = _growth(report["sizes"])
    print(json.dumps(_rounded(report), indent=2))


if __name__ == "__main__":
    main()
