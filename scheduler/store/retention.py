"""Retention: deleting old articles with everything that hangs off them, a small batch at a time.

An article with a pending delivery is kept until it is sent or fails, and a purged article's URL
stays known (``seen_urls``) so that feeds that keep listing old entries do not bring it back.
Each batch is its own short write transaction: on SQLite a purge holds the database's single
write lock, and crawls and the dispatcher wait for it (up to the 30 s busy timeout), so a long
backlog is cleared in many small steps instead of one long one. Every delete reaches its rows, and
the rows of every foreign key pointing at them, through an index (``tests/scheduler/
test_store_plans.py`` checks the plans; ``bench/store.py`` times a purge).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, and_, delete, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from scheduler.store.engine import CHUNK, Database
from scheduler.store.schema import (
    article_links,
    articles,
    crawl_runs,
    deliveries,
    matches_table,
    seen_urls,
    stories,
    story_articles,
)

# Rows per write transaction: 100 articles with their matches, deliveries and links hold the
# write lock ~30 ms here (bench/store.py, 2 KB and 5 KB articles, 100k-500k stored, a loaded
# machine); 200 reached ~90 ms under load, 500 over 100 ms.
BATCH = 100


class RetentionTables(Database):
    """:meth:`purge`, run hourly by the service."""

    def purge(
        self, before: datetime, *, seen_before: datetime | None = None, batch: int = BATCH
    ) -> dict[str, int]:
        """Delete articles created before ``before`` with their matches, links and finished rows.

        Articles that still have a pending delivery are kept until it is sent or fails. Their
        URLs stay in ``seen_urls`` (article_id set to NULL) so that feeds that keep listing old
        entries do not make us download and alert on them again; seen URLs are only dropped
        when ``seen_before`` is given, and then only those first seen before it that no longer
        point at an article. Crawl runs started before ``before`` go too, and stories not reported
        since that have no article left. Rows are deleted in transactions of at most ``batch``
        articles (or seen URLs, crawl runs, stories). Returns rows deleted per table.
        """
        if not 1 <= batch <= CHUNK:
            raise ValueError(f"purge batch must be between 1 and {CHUNK}, not {batch}")
        counts = dict.fromkeys(
            (
                "deliveries",
                "matches",
                "article_links",
                "articles",
                "seen_urls",
                "crawl_runs",
                "stories",
            ),
            0,
        )
        while True:
            with self._tx("purge", write=True) as conn:
                done = self._purge_articles(conn, before, batch, counts)
            if done < batch:
                break
        if seen_before is not None:
            counts["seen_urls"] = self._delete_in_batches(
                seen_urls.c.url,
                and_(seen_urls.c.first_seen < seen_before, seen_urls.c.article_id.is_(None)),
                batch,
            )
        counts["crawl_runs"] = self._delete_in_batches(
            crawl_runs.c.id, crawl_runs.c.started < before, batch
        )
        counts["stories"] = self._purge_stories(before, batch)
        return counts

    def _purge_stories(self, before: datetime, batch: int) -> int:
        """Delete stories with no report since ``before`` and no article left.

        Old stories are walked by time (its index), ``batch`` per transaction, and the ones an
        article still holds (a pending delivery keeps it) are skipped: a NOT EXISTS in one
        statement let PostgreSQL anti-join both tables from end to end.
        """
        total = 0
        after: tuple[datetime, int] | None = None
        while True:
            query = select(stories.c.id, stories.c.last_seen).where(stories.c.last_seen < before)
            if after is not None:
                query = query.where(
                    or_(
                        stories.c.last_seen > after[0],
                        and_(stories.c.last_seen == after[0], stories.c.id > after[1]),
                    )
                )
            query = query.order_by(stories.c.last_seen, stories.c.id).limit(batch)
            with self._tx("purge", write=True) as conn:
                rows = [(r.last_seen, int(r.id)) for r in conn.execute(query)]
                ids = [i for _, i in rows]
                held = set(
                    conn.execute(
                        select(story_articles.c.story_id).where(story_articles.c.story_id.in_(ids))
                    ).scalars()
                )
                gone = [i for i in ids if i not in held]
                if gone:
                    total += conn.execute(delete(stories).where(stories.c.id.in_(gone))).rowcount
            if len(rows) < batch:
                return total
            after = rows[-1]

    def _purge_articles(
        self, conn: Connection, before: datetime, batch: int, counts: dict[str, int]
    ) -> int:
        """Delete up to ``batch`` of the oldest purgeable articles; returns how many were found."""
        pending = select(deliveries.c.article_id).where(deliveries.c.status == "pending")
        ids = [
            int(i)
            for i in conn.execute(
                select(articles.c.id)
                .where(articles.c.created_at < before, articles.c.id.not_in(pending))
                .order_by(articles.c.created_at)
                .limit(batch)
            ).scalars()
        ]
        if not ids:
            return 0
        for name, table in (
            ("deliveries", deliveries),
            ("matches", matches_table),
            ("article_links", article_links),
        ):
            counts[name] += conn.execute(delete(table).where(table.c.article_id.in_(ids))).rowcount
        conn.execute(
            update(seen_urls).where(seen_urls.c.article_id.in_(ids)).values(article_id=None)
        )
        counts["articles"] += conn.execute(delete(articles).where(articles.c.id.in_(ids))).rowcount
        return len(ids)

    def _delete_in_batches(
        self, key: Column[Any], condition: ColumnElement[bool], batch: int
    ) -> int:
        """Delete the rows matching ``condition``, ``batch`` per transaction; returns how many.

        The keys are read first and deleted by value: ``DELETE ... WHERE key IN (SELECT ...
        LIMIT n)`` makes PostgreSQL hash-join the subquery against the whole table.
        """
        query = select(key).where(condition).limit(batch)
        total = 0
        while True:
            with self._tx("purge", write=True) as conn:
                keys = list(conn.execute(query).scalars())
                if keys:
                    total += conn.execute(delete(key.table).where(key.in_(keys))).rowcount
            if len(keys) < batch:
                return total
