"""Store pipeline: the article, its matches and their outbox rows, in one transaction.

The write runs in a worker thread (``asyncio.to_thread``) so the event loop — shared with the
scheduler, the dispatcher and the health endpoint — never waits on the database. A failed write is
logged and counted; the URL is not remembered, so the next crawl downloads the story again and
nothing is lost. Without a store (a plain ``scrapy crawl``) the pipeline switches itself off.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Self

from scrapy.crawler import Crawler

from crawler import signals as nw_signals
from crawler.article_store import ArticleRecord, ArticleStore
from crawler.items import ArticleDraft
from crawler.services import crawl_store
from crawler.setting_names import (
    NEWSWATCH_DRY_RUN,
    NEWSWATCH_NEAR_DUPLICATE_BITS,
    NEWSWATCH_ROUTES,
    STAT_DUPLICATES,
    STAT_ERRORS,
    STAT_NEW_ARTICLES,
)
from crawler.stats import count

logger = logging.getLogger(__name__)


def to_record(item: ArticleDraft) -> ArticleRecord:
    """The article as the store keeps it."""
    return ArticleRecord(
        source=item.source,
        url=item.url,
        fetched_url=item.fetched_url,
        title=item.title,
        text=item.text,
        fingerprint=item.fingerprint,
        content_hash=item.content_hash,
        published=item.published,
        authors=item.authors,
        language=item.language,
        summary=item.summary,
        discovered_at=item.fetched_at,
    )


class StorePipeline:
    """Save new articles (or only count them in a dry run)."""

    def __init__(
        self,
        crawler: Crawler,
        store: ArticleStore,
        routes: dict[str, list[str]],
        dry_run: bool,
        near_duplicate_bits: int | None = None,
    ) -> None:
        self.crawler = crawler
        self.store = store
        self.routes = routes
        self.dry_run = dry_run
        # Checked again under the store's claim: another process may store a copy meanwhile.
        self.near_duplicate_bits = near_duplicate_bits

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            crawler,
            crawl_store(crawler, needs="the store pipeline saves articles"),
            dict(crawler.settings.get(NEWSWATCH_ROUTES) or {}),
            crawler.settings.getbool(NEWSWATCH_DRY_RUN),
            crawler.settings.getint(NEWSWATCH_NEAR_DUPLICATE_BITS),
        )

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleDraft):
            return item
        stats = self.crawler.stats
        if self.dry_run:
            count(stats, STAT_NEW_ARTICLES, item.source)
            self._stored(item, None)
            return item
        article_id: int | None = None
        try:
            result = await asyncio.to_thread(
                self.store.save_article,
                to_record(item),
                item.matches,
                self.routes,
                near_duplicate_bits=self.near_duplicate_bits,
            )
        except Exception as exc:
            count(stats, STAT_ERRORS, item.source)
            logger.error("could not store %s (will retry next crawl): %s", item.url, exc)
            self._stored(item, None)
            raise
        article_id = result.article_id
        if result.created:
            count(stats, STAT_NEW_ARTICLES, item.source)
            if item.discovered_url != item.url:
                await asyncio.to_thread(
                    self.store.mark_seen,
                    item.discovered_url,
                    source=item.source,
                    status="alias",
                    article_id=article_id,
                )
        else:
            count(stats, STAT_DUPLICATES, item.source)
        self._stored(item, article_id)
        return item

    def _stored(self, item: ArticleDraft, article_id: int | None) -> None:
        self.crawler.signals.send_catch_log(
            nw_signals.article_stored, item=item, article_id=article_id
        )
