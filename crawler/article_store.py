"""The storage interface the crawler is written against, and the plain records it hands over.

The crawler never imports :mod:`scheduler`; the service's store (``scheduler.store.Store``, its
article part) implements :class:`ArticleStore` and reaches the spiders and pipelines inside
:class:`crawler.services.CrawlServices`. Methods are synchronous and thread-safe: callers on
the event loop run them through ``asyncio.to_thread`` so the loop never stalls on a write.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crawler.matching.types import Match


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """An extracted, normalised article ready to store."""

    source: str
    url: str  # canonical URL (normalised, tracking parameters removed)
    fetched_url: str  # the URL actually downloaded
    title: str
    text: str
    fingerprint: int  # 64-bit SimHash of the body's shingles (signed for SQL BIGINT)
    content_hash: str  # sha256 of the normalised body text
    published: datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    summary: str | None = None
    discovered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What :meth:`ArticleStore.save_article` did."""

    article_id: int
    created: bool  # False when the canonical URL was already stored (a race or re-crawl)
    match_ids: tuple[int, ...] = ()
    delivery_ids: tuple[int, ...] = ()
    story_id: int | None = None  # the story the article joined (None: not stored)


class ArticleStore(Protocol):
    """What the crawler pipelines and middlewares need from storage."""

    def seen_urls(self, urls: Collection[str]) -> set[str]:
        """Return those of ``urls`` (canonical) already stored, linked as duplicates or dropped."""

    def mark_seen(
        self, url: str, *, source: str, status: str, article_id: int | None = None
    ) -> None:
        """Remember ``url`` so it is not downloaded again (status: duplicate | dropped:<reason>)."""

    def find_near_duplicate(self, fingerprint: int, *, max_distance: int) -> int | None:
        """Id of a stored article whose SimHash is within ``max_distance`` bits, if any."""

    def save_article(
        self,
        article: ArticleRecord,
        matches: Sequence[Match],
        routes: Mapping[str, Sequence[str]],
        *,
        near_duplicate_bits: int | None = None,
    ) -> SaveResult:
        """Store the article, its matches and one outbox row per (article, channel), atomically.

        With ``near_duplicate_bits`` the store checks for a near-duplicate again under its own
        claim (another process may have stored one since the crawl looked) and links it instead.

        ``routes`` maps a watchlist name to the channel names its matches go to. An article alerts
        a channel at most once: several matching watchlists routed to one channel make one row.
        """

    def get_http_validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) last seen for ``url``."""

    def get_http_validators_many(
        self, urls: Collection[str]
    ) -> dict[str, tuple[str | None, str | None]]:
        """The validators of those of ``urls`` that have any, in one query (a batch's sources)."""

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember the validators of a feed or sitemap response for the next conditional GET."""
