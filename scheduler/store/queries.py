"""Read-only queries for the command line: stored matches, articles to rematch, table counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select

from crawler.matching.types import Match
from scheduler.store.engine import CHUNK, Database
from scheduler.store.records import StoredMatch
from scheduler.store.schema import (
    article_links,
    articles,
    crawl_runs,
    deliveries,
    http_validators,
    matches_table,
    seen_urls,
    sources,
)


class QueryTables(Database):
    """What ``matches``, ``rematch`` and ``status`` read."""

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
        with self._tx("articles_since") as conn:
            # Start at the first article of the window: paging by id from 0 would walk every
            # older article first (the plan follows the primary key, not ``created_at``). The
            # ``+ 0`` keeps SQLite from answering min(id) by that same walk.
            first = conn.execute(
                select(func.min(articles.c.id + 0)).where(articles.c.created_at >= since)
            ).scalar()
        if first is None:
            return
        last_id = int(first) - 1
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
                    .limit(CHUNK)
                ).all()
            for row in rows:
                yield (int(row.id), row.title, row.text, row.source, row.published)
            if len(rows) < CHUNK:
                return
            last_id = int(rows[-1].id)

    def stored_watchlists_since(self, since: datetime) -> dict[int, set[str]]:
        """Article id -> the watchlists it has stored matches for, for articles created since
        ``since`` (what ``rematch`` compares a new run of the filter with)."""
        out: dict[int, set[str]] = {}
        with self._tx("stored_watchlists_since") as conn:
            rows = conn.execute(
                select(matches_table.c.article_id, matches_table.c.watchlist)
                .join(articles, articles.c.id == matches_table.c.article_id)
                .where(articles.c.created_at >= since)
            ).all()
        for row in rows:
            out.setdefault(int(row.article_id), set()).add(str(row.watchlist))
        return out

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
