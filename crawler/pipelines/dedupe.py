"""Dedupe pipeline: a story is stored once, however many URLs and sites carry it.

Two checks, cheapest first: the canonical URL (already stored, or already on its way in this crawl),
then the SimHash of the body within ``NEWSWATCH_NEAR_DUPLICATE_BITS`` of a stored or in-flight
article — the same wire story syndicated on two sites. A duplicate is not stored again: its URL is
remembered as a duplicate linked to the original, so it is neither re-downloaded nor re-alerted.

Two copies can arrive before either is stored (items move through pipelines concurrently, and
several crawls run at once), so articles that passed but are not stored yet are kept in the
process's :class:`~crawler.in_flight.InFlightArticles`: the store pipeline's ``article_stored``
signal resolves an entry with the new article id, and a later copy waits for it so the link points
at the real row. Without a store (a plain ``scrapy crawl``) the pipeline switches itself off.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler import signals as nw_signals
from crawler.article_store import ArticleStore
from crawler.in_flight import InFlightArticles
from crawler.items import ArticleDraft
from crawler.services import crawl_services
from crawler.setting_names import (
    NEWSWATCH_DRY_RUN,
    NEWSWATCH_NEAR_DUPLICATE_BITS,
    STAT_DUPLICATES,
)
from crawler.stats import count

logger = logging.getLogger(__name__)

# How long a copy waits for its original to be stored before linking without an id.
_WAIT_FOR_ORIGINAL = 120.0


class Duplicate(DropItem):
    """A story already stored (or being stored) under another URL."""


class DedupePipeline:
    """Drop canonical-URL and near-duplicate copies, linking them to their original."""

    def __init__(
        self,
        crawler: Crawler,
        store: ArticleStore,
        in_flight: InFlightArticles,
        bits: int,
        dry_run: bool,
    ) -> None:
        self.crawler = crawler
        self.store = store
        self.in_flight = in_flight
        self.bits = bits
        self.dry_run = dry_run
        self._mine: set[str] = set()  # in-flight URLs this crawl registered

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        services = crawl_services(crawler, needs="dedupe checks the store")
        if services.store is None:
            raise NotConfigured("dedupe checks the store, and the crawl has none")
        pipeline = cls(
            crawler,
            services.store,
            services.in_flight,
            crawler.settings.getint(NEWSWATCH_NEAR_DUPLICATE_BITS),
            crawler.settings.getbool(NEWSWATCH_DRY_RUN),
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.finished, signal=nw_signals.article_stored)
        return pipeline

    def spider_closed(self) -> None:
        for url in self._mine:
            self.in_flight.done(url, None)
        self._mine.clear()

    def finished(self, item: ArticleDraft, article_id: int | None) -> None:
        """On ``article_stored``: let copies waiting for ``item`` link to its id."""
        if item.url in self._mine:
            self._mine.discard(item.url)
            self.in_flight.done(item.url, article_id)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleDraft):
            return item
        async with self.in_flight.lock:
            original = await self._find_original(item)
            if original is None:
                self.in_flight.add(item.url, item.fingerprint)
                self._mine.add(item.url)
                return item
        kind, waiter = original
        article_id: int | None
        if isinstance(waiter, asyncio.Future):
            try:
                article_id = await asyncio.wait_for(asyncio.shield(waiter), _WAIT_FOR_ORIGINAL)
            except TimeoutError:
                article_id = None
        else:
            article_id = waiter
        await self._link(item, article_id)
        count(self.crawler.stats, STAT_DUPLICATES, item.source)
        raise Duplicate(f"{item.discovered_url} is a {kind} of article {article_id}")

    async def _find_original(
        self, item: ArticleDraft
    ) -> tuple[str, int | asyncio.Future[int | None] | None] | None:
        entry = self.in_flight.find(item.url, item.fingerprint, self.bits)
        if entry is not None:
            same = entry.url == item.url
            return ("copy (same canonical URL)" if same else "near-duplicate"), entry.stored
        store = self.store
        if item.url != item.discovered_url:
            known = await asyncio.to_thread(store.seen_urls, [item.url])
            if known:
                return "copy (same canonical URL)", None
        if item.fingerprint:
            found = await asyncio.to_thread(
                store.find_near_duplicate, item.fingerprint, max_distance=self.bits
            )
            if found is not None:
                return "near-duplicate", found
        return None

    async def _link(self, item: ArticleDraft, article_id: int | None) -> None:
        if self.dry_run:
            return
        try:
            await asyncio.to_thread(
                self.store.mark_seen,
                item.discovered_url,
                source=item.source,
                status="duplicate",
                article_id=article_id,
            )
        except Exception as exc:  # a lost link only costs a re-download next time
            logger.warning("could not record duplicate %s: %s", item.discovered_url, exc)
