"""Retention: deleting old articles with everything that hangs off them.

An article with a pending delivery is kept until it is sent or fails, and a purged article's URL
stays known (``seen_urls``) so that feeds that keep listing old entries do not bring it back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select, update

from scheduler.store.engine import Database, chunks
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


class RetentionTables(Database):
    """:meth:`purge`, run hourly by the service."""

    def purge(self, before: datetime, *, seen_before: datetime | None = None) -> dict[str, int]:
        """Delete articles created before ``before`` with their matches, links and finished rows.

        Articles that still have a pending delivery are kept until it is sent or fails. Their
        URLs stay in ``seen_urls`` (article_id set to NULL) so that feeds that keep listing old
        entries do not make us download and alert on them again; seen URLs are only dropped
        when ``seen_before`` is given, and then only those first seen before it that no longer
        point at an article. Crawl runs started before ``before`` go too, and stories not reported
        since. Returns rows deleted
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
                for chunk in chunks(ids):
                    counts[name] += conn.execute(
                        delete(table).where(table.c.article_id.in_(chunk))
                    ).rowcount
            counts["articles"] = 0
            for chunk in chunks(ids):
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
            # A story with no report since ``before`` and no article left goes too.
            members = select(story_articles.c.story_id).where(
                story_articles.c.story_id == stories.c.id
            )
            counts["stories"] = conn.execute(
                delete(stories).where(stories.c.last_seen < before, ~exists(members))
            ).rowcount
            counts["crawl_runs"] = conn.execute(
                delete(crawl_runs).where(crawl_runs.c.started < before)
            ).rowcount
        return counts
