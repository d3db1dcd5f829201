"""The service's storage, split along its users, on SQLAlchemy 2 Core.

- :mod:`~scheduler.store.schema` -- the tables; :mod:`~scheduler.store.engine` -- URLs, engines,
  transactions; :mod:`~scheduler.store.migrate` -- schema revisions (Alembic, ``db upgrade``);
- :mod:`~scheduler.store.articles` -- what the crawler needs
  (``crawler.article_store.ArticleStore``);
- :mod:`~scheduler.store.outbox` -- what the dispatcher needs (``alerts.model.OutboxStore``);
- :mod:`~scheduler.store.crawl_state` -- source states and crawl runs (the scheduler's own);
- :mod:`~scheduler.store.stories` -- story clustering inside the article's save, with
  :mod:`~scheduler.store.story_outbox` (stories in the outbox) and
  :mod:`~scheduler.store.story_queries` (the ``stories`` listing);
- :mod:`~scheduler.store.queries` and :mod:`~scheduler.store.retention` -- the CLI's reads, purging.

:class:`Store` is all of them on one engine; :func:`open_store` opens one from a URL. Every method
is one short transaction (a purge, one per batch), safe to call from several threads (the service
calls them through ``asyncio.to_thread``) and from several processes. Datetimes are timezone-aware
UTC in and out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from scheduler.errors import StoreError
from scheduler.store.articles import ArticleTables
from scheduler.store.crawl_state import CrawlStateTables, SourceState
from scheduler.store.engine import normalise_url, open_engine, redact_url
from scheduler.store.outbox import OutboxTables
from scheduler.store.queries import QueryTables, StoredMatch
from scheduler.store.retention import BATCH, RetentionTables
from scheduler.store.schema import SCHEMA_VERSION, metadata
from scheduler.store.story_queries import StoredStory, StoryQueries

__all__ = [
    "SCHEMA_VERSION",
    "SourceState",
    "Store",
    "StoredMatch",
    "StoredStory",
    "metadata",
    "normalise_url",
    "open_store",
    "redact_url",
]


class Store(
    ArticleTables, OutboxTables, CrawlStateTables, QueryTables, StoryQueries, RetentionTables
):
    """Articles, matches, outbox and crawl state on one SQLAlchemy engine."""

    def purge(
        self, before: datetime, *, seen_before: datetime | None = None, batch: int = BATCH
    ) -> dict[str, int]:
        """:meth:`RetentionTables.purge`, and story lookup keys past the story window."""
        counts = super().purge(before, seen_before=seen_before, batch=batch)
        counts["story_keys"] = self.purge_story_keys(batch)
        return counts


def open_store(
    url: str, *, create: bool = True, clock: Callable[[], datetime] | None = None
) -> Store:
    """Open the store at ``url``; create the schema when ``create`` (else require it to exist).

    A schema behind this version's revision is refused: ``newswatch db upgrade`` migrates it.
    """
    shown = normalise_url(url).render_as_string(hide_password=True)
    store = Store(open_engine(url), clock=clock)
    try:
        store.ensure_schema(create=create)
    except StoreError as exc:
        store.close()
        raise StoreError(f"cannot open database {shown}: {exc}") from exc
    except BaseException:
        store.close()
        raise
    return store
