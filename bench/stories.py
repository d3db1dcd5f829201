"""What story clustering adds to storing an article, with 100,000 articles already stored.

A store (a SQLite file by default, or ``--url``) is preloaded in bulk with ``--stored``
generated articles spread over ``--spread-days`` (30: the default retention), grouped in stories
of one to four reports, with their story rows, MinHash signatures and indexed keys (LSH bands
and event party keys), as the save path would have written them. Then ``--articles`` new
articles are saved one by one (lookup keys preloaded for the story window only, as the hourly
purge leaves them), half of them later reports of a recent story, half new events,
each with a match naming its event, twice: through the real ``save_article`` (clustering on),
and through a store whose clustering step is skipped (the anchor: the store insert alone).
Prints JSON: milliseconds per article of both, the difference (what clustering costs) and the
ratio. Matching is not included (it is the same either way).

Usage: ``python bench/stories.py [--stored 100000] [--articles 400] [--url URL]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from crawler.article_store import ArticleRecord
from crawler.matching.types import EntityRef, Event, Match
from scheduler.store import Store, open_store
from scheduler.store.articles import signed64, simhash_bands
from scheduler.store.schema import articles, stories, story_articles, story_keys
from scheduler.store.stories import DEFAULT_STORY_WINDOW, StoryJoin
from scheduler.story_keys import (
    Facts,
    band_keys,
    facts_of,
    merge_seen,
    party_keys,
    shingles,
    signature,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
# A Zipf-like draw from a 20,000-word vocabulary: news text shares its common words, not its
# word pairs (a small vocabulary would make every lead look alike to the LSH bands).
_VOCAB = [f"w{i}" for i in range(20_000)]
_WEIGHTS = [1 / (i + 1) for i in range(20_000)]
_ACTORS = [f"Company{i}" for i in range(300)]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(_VOCAB, _WEIGHTS, k=n))


def _match(actor: str, target: str, kind: str) -> Match:
    return Match(
        watchlist="bench",
        score=0.9,
        kind=kind,  # type: ignore[arg-type]
        entities=(EntityRef(actor, "acquirer"), EntityRef(target, "target")),
        event=Event(kind=kind, actor=actor, target=target),  # type: ignore[arg-type]
    )


def _event(rng: random.Random, i: int) -> tuple[str, str, str, str]:
    """(actor, target, kind, title) of a generated event."""
    actor, target = rng.choice(_ACTORS), f"Target{i}"
    kind = rng.choice(("deal", "hiring"))
    verb = "acquires" if kind == "deal" else "hires"
    return actor, target, kind, f"{actor} {verb} {target} {_text(rng, 6)}"


def preload(store: Store, n: int, spread: timedelta, rng: random.Random) -> list[dict[str, Any]]:
    """Bulk-write ``n`` stored articles with their stories and keys; returns recent events."""
    recent: list[dict[str, Any]] = []
    article_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    key_rows: list[dict[str, Any]] = []
    story_rows: list[dict[str, Any]] = []
    article_id = story_id = 0
    while article_id < n:
        story_id += 1
        actor, target, kind, title = _event(rng, story_id)
        facts = facts_of([_match(actor, target, kind)], title)
        assert facts is not None
        created = NOW - spread * rng.random()
        size = min(rng.randint(1, 4), n - article_id)
        outlets = []
        for _ in range(size):
            article_id += 1
            text = _text(rng, 120)
            rewrite = f"{title} {_text(rng, 3)}"
            sig = signature(shingles(rewrite, text))
            fp = signed64(rng.getrandbits(64))
            outlets.append(f"outlet{article_id % 40}")
            article_rows.append(
                {
                    "id": article_id,
                    "source": outlets[-1],
                    "url": f"https://bench.invalid/{article_id}",
                    "fetched_url": f"https://bench.invalid/{article_id}",
                    "title": rewrite,
                    "text": text,
                    "published": created,
                    "authors": [],
                    "fingerprint": fp,
                    **{f"band{b}": v for b, v in enumerate(simhash_bands(fp))},
                    "content_hash": str(article_id),
                    "created_at": created,
                }
            )
            member_rows.append(
                {
                    "article_id": article_id,
                    "story_id": story_id,
                    "source": outlets[-1],
                    "joined_at": created,
                    "signature": sig,
                    "facts": facts.to_dict(),
                    "material": [],
                }
            )
            # The hourly purge keeps lookup keys for the story window only (steady state).
            in_window = NOW - created < DEFAULT_STORY_WINDOW
            for key in sorted(set(band_keys(sig)) | set(party_keys(facts))) if in_window else ():
                key_rows.append(
                    {
                        "key": key,
                        "article_id": article_id,
                        "story_id": story_id,
                        "created_at": created,
                    }
                )
        story_rows.append(_story_row(story_id, article_id, title, facts, created, outlets))
        if NOW - created < timedelta(hours=48):
            recent.append({"actor": actor, "target": target, "kind": kind, "title": title})
    with store.engine.begin() as conn:
        for table, rows in (
            (articles, article_rows),
            (stories, story_rows),
            (story_articles, member_rows),
            (story_keys, key_rows),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start : start + 5000])
        if store.engine.dialect.name == "postgresql":
            # Explicit ids leave PostgreSQL's sequences behind: the saves would reuse id 1.
            for table in (articles, stories):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                    f" (SELECT max(id) FROM {table.name}))"
                )
    return recent


def _story_row(
    story_id: int, article_id: int, title: str, facts: Facts, at: datetime, outlets: list[str]
) -> dict[str, Any]:
    return {
        "id": story_id,
        "first_seen": at,
        "last_seen": at,
        "article_id": article_id,
        "title": title,
        "url": f"https://bench.invalid/{article_id}",
        "published": at,
        "facts": facts.to_dict(),
        "seen": merge_seen({}, facts),
        "frames": [facts.headline()],
        "outlets": list(dict.fromkeys(outlets)),
        "articles": len(outlets),
        "best_score": facts.score,
    }


class AnchorStore(Store):
    """The store with its clustering step skipped: the cost of the insert alone."""

    def _join_story(self, conn: Any, article_id: int, *args: Any, **kwargs: Any) -> StoryJoin:
        return StoryJoin(0, True)


def new_articles(
    n: int, recent: Sequence[dict[str, Any]], rng: random.Random, tag: str
) -> list[tuple[ArticleRecord, list[Match]]]:
    out = []
    for i in range(n):
        if i % 2 and recent:
            event = rng.choice(recent)
            actor, target, kind, title = (
                event["actor"],
                event["target"],
                event["kind"],
                event["title"],
            )
        else:
            actor, target, kind, title = _event(rng, 10_000_000 + i)
        url = f"https://bench.invalid/{tag}/{i}"
        record = ArticleRecord(
            source=f"outlet{i % 40}",
            url=url,
            fetched_url=url,
            title=f"{title} {_text(rng, 2)}",
            text=_text(rng, 120),
            fingerprint=rng.getrandbits(63),
            content_hash=url,
            published=NOW,
        )
        out.append((record, [_match(actor, target, kind)]))
    return out


def timed(store: Store, batch: list[tuple[ArticleRecord, list[Match]]]) -> list[float]:
    costs = []
    for record, found in batch:
        start = time.perf_counter()
        store.save_article(record, found, {})
        costs.append((time.perf_counter() - start) * 1000)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--spread-days", type=float, default=30.0)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = open_store(url, clock=lambda: NOW)
        started = time.perf_counter()
        recent = preload(store, args.stored, timedelta(days=args.spread_days), rng)
        if url.startswith("sqlite"):
            with store.engine.connect() as conn:  # start from a checkpointed WAL
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        preload_s = time.perf_counter() - started
        anchor = AnchorStore(store.engine, clock=lambda: NOW)
        batch_a = new_articles(args.articles, recent, rng, "a")
        batch_c = new_articles(args.articles, recent, rng, "c")
        # Interleaved halves, so drift on a shared machine hits both alike.
        half = args.articles // 2
        anchor_ms = timed(anchor, batch_a[:half])
        cluster_ms = timed(store, batch_c[:half])
        anchor_ms += timed(anchor, batch_a[half:])
        cluster_ms += timed(store, batch_c[half:])
        store.close()
    a, c = statistics.median(anchor_ms), statistics.median(cluster_ms)
    print(
        json.dumps(
            {
                "stored_articles": args.stored,
                "spread_days": args.spread_days,
                "backend": url.split(":", 1)[0],
                "articles_timed": args.articles,
                "preload_s": round(preload_s, 1),
                "window_keys_only": True,
                "anchor_insert_ms_median": round(a, 3),
                "with_clustering_ms_median": round(c, 3),
                "clustering_ms_median": round(c - a, 3),
                "anchor_insert_ms_mean": round(statistics.fmean(anchor_ms), 3),
                "with_clustering_ms_mean": round(statistics.fmean(cluster_ms), 3),
                "clustering_ms_mean": round(
                    statistics.fmean(cluster_ms) - statistics.fmean(anchor_ms), 3
                ),
                "ratio_median": round(c / a, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
