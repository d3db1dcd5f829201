"""The SQLAlchemy store: :class:`Store` is every part of the store on one engine, and
:func:`open_store` opens one from a URL (creating the schema, or checking it).

Every method is one short transaction (a purge, one per batch), safe to call from several threads
(the service calls them through ``asyncio.to_thread``) and from several processes. Datetimes are
timezone-aware UTC in and out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from scheduler.store.articles import ArticleTables
from scheduler.store.crawl_state import CrawlStateTables
from scheduler.store.engine import normalise_url, open_engine
from scheduler.store.feedback import FeedbackTables
from scheduler.store.outbox import OutboxTables
from scheduler.store.queries import QueryTables
from scheduler.store.records import checked_open
from scheduler.store.retention import BATCH, RetentionTables
from scheduler.store.story_queries import StoryQueries


class Store(
    ArticleTables,
    OutboxTables,
    CrawlStateTables,
    QueryTables,
    StoryQueries,
    RetentionTables,
    FeedbackTables,
):
    """Articles, matches, outbox, crawl state and readers' feedback on one SQLAlchemy engine."""

    def purge(
        self, before: datetime, *, seen_before: datetime | None = None, batch: int = BATCH
    ) -> dict[str, int]:
        """:meth:`RetentionTables.purge`, story lookup keys past the story window, and readers'
        presses and holds (:meth:`FeedbackTables.purge_feedback`) older than ``before``."""
        counts = super().purge(before, seen_before=seen_before, batch=batch)
        counts["story_keys"] = self.purge_story_keys(batch)
        counts.update(self.purge_feedback(before, batch))
        return counts


def open_store(
    url: str, *, create: bool = True, clock: Callable[[], datetime] | None = None
) -> Store:
    """Open the store at ``url``; create the schema when ``create`` (else require it to exist).

    A schema behind this version's revision is refused: ``newswatch db upgrade`` migrates it.
    """
    shown = normalise_url(url).render_as_string(hide_password=True)
    store = Store(open_engine(url), clock=clock)
    with checked_open(store, shown):
        store.ensure_schema(create=create)
    return store
