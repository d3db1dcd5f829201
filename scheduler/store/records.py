"""Plain records the store hands out, and the schema version, with no SQLAlchemy in them.

Both read paths use them: the SQLAlchemy store (:mod:`scheduler.store.crawl_state`,
:mod:`scheduler.store.queries`) and the DB-API one of the read-only commands
(:mod:`scheduler.store.readonly`), which must not pay for importing SQLAlchemy. They live here so
that the two paths return the very same types, and both open a database through
:func:`checked_open`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crawler.matching.types import Match
from scheduler.errors import StoreError

# What newswatch releases from before migrations check (they accept only 2); since then the
# revision in ``alembic_version`` is what counts. 2: stories; 3: cluster tables (revision 0003).
SCHEMA_VERSION = 3
# The chain of schema revisions in migrations/versions, oldest first (the tests compare it with
# Alembic's). Kept here so the read-only path can check a database's revision without SQLAlchemy.
SCHEMA_REVISIONS = ("0002", "0003", "0004")


class _Closeable(Protocol):
    def close(self) -> None: ...


@contextmanager
def checked_open(store: _Closeable, shown: str) -> Iterator[None]:
    """Around a new store's first check: on any failure the store is closed, and a
    :class:`StoreError` names the database (``shown``, its password hidden)."""
    try:
        yield
    except StoreError as exc:
        store.close()
        raise StoreError(f"cannot open database {shown}: {exc}") from exc
    except BaseException:
        store.close()
        raise


@dataclass(slots=True)
class SourceState:
    """Crawl state of one source, kept between runs."""

    name: str
    last_run: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    items_seen: int = 0  # entries discovered on the last successful run
    new_articles_total: int = 0
    last_new_article: datetime | None = None
    status: str = "ok"  # ok | failing
    last_items_at: datetime | None = None  # last successful run that listed any entries
    next_due: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """A stored match with the article it is about (what ``matches`` listings show)."""

    match_id: int
    article_id: int
    title: str
    url: str
    source: str
    published: datetime | None
    match: Match
    created_at: datetime
