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
- :mod:`~scheduler.store.queries` and :mod:`~scheduler.store.retention` -- the CLI's reads, purging;
- :mod:`~scheduler.store.store` -- :class:`Store`, all of them on one engine, and
  :func:`open_store`.

Apart from that store, :mod:`~scheduler.store.readonly` reads what ``status`` and ``matches`` show
through plain DB-API connections (no SQLAlchemy: it costs more to import than those commands may
take), returning the records of :mod:`~scheduler.store.records`; :mod:`~scheduler.store.dburl`
parses database URLs for it. The names below are therefore loaded on first use (PEP 562):
importing this package, or one of those modules, does not import SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.lazy_names import lazy_names

if TYPE_CHECKING:
    from scheduler.store.engine import normalise_url, redact_url
    from scheduler.store.records import SCHEMA_VERSION, SourceState, StoredMatch
    from scheduler.store.schema import metadata
    from scheduler.store.store import Store, open_store
    from scheduler.store.story_queries import StoredStory

# Where each public name lives; ``__getattr__`` imports that module the first time it is asked for.
_HOMES = {
    "SCHEMA_VERSION": "records",
    "SourceState": "records",
    "Store": "store",
    "StoredMatch": "records",
    "StoredStory": "story_queries",
    "metadata": "schema",
    "normalise_url": "engine",
    "open_store": "store",
    "redact_url": "engine",
}

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


__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
