"""Dedupe pipeline: a story is stored once, however many URLs and sites carry it.

Two checks, cheapest first: the canonical URL (already stored, or already on its way in this crawl),
then the SimHash of the body within ``NEWSWATCH_NEAR_DUPLICATE_BITS`` of a stored or in-flight
article — the same wire story syndicated on two sites. A duplicate is not stored again: its URL is
remembered as a duplicate linked to the original, so it is neither re-downloaded nor re-alerted.

Items move through pipelines concurrently, so two copies can arrive in one crawl before either is
stored. Each article that passes registers a future here; the store pipeline resolves it with the
new article id, and a later copy waits for it so the link points at the real row.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler import signals as nw_signals
from crawler.fingerprint import hamming
from crawler.items import ArticleDraft
from crawler.records import ArticleStore
from crawler.setting_names import NEWSWATCH_DRY_RUN, NEWSWATCH_NEAR_DUPLICATE_BITS, STAT_DUPLICATES
from crawler.spiders.base import get_store

logger = logging.getLogger(__name__)

# How long a copy waits for its original to be stored before linking without an id.
_WAIT_FOR_ORIGINAL = 120.0


@dataclass(slots=True)
class InFlight:
    """An article that passed dedupe and is on its way to the store."""

    url: str
    fingerprint: int
    stored: asyncio.Future[int | None] = field(repr=False)


class Duplicate(DropItem):
    """A story already stored (or being stored) under another URL."""


class DedupePipeline:
    """Drop canonical-URL and near-duplicate copies, linking them to their original."""

    def __init__(self, crawler: Crawler, store: ArticleStore | None, bits: int, dry_run: bool):
        self.crawler = crawler
        self.store = store
        self.bits = bits
        self.dry_run = dry_run
        self._lock = asyncio.Lock()
        self.in_flight: dict[str, InFlight] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(
            crawler,
            get_store(crawler),
            crawler.settings.getint(NEWSWATCH_NEAR_DUPLICATE_BITS),
            crawler.settings.getbool(NEWSWATCH_DRY_RUN),
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.finished, signal=nw_signals.article_stored)
        return pipeline

    def spider_closed(self) -> None:
        for entry in self.in_flight.values():
            if not entry.stored.done():
                entry.stored.set_result(None)

    def finished(self, item: ArticleDraft, article_id: int | None) -> None:
        """On ``article_stored``: let copies waiting for ``item`` link to its id."""
        entry = self.in_flight.get(item.url)
        if entry is not None and not entry.stored.done():
            entry.stored.set_result(article_id)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleDraft):
            return item
        async with self._lock:
            original = await self._find_original(item)
            if original is None:
                future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
                self.in_flight[item.url] = InFlight(item.url, item.fingerprint, future)
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
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(STAT_DUPLICATES)
        raise Duplicate(f"{item.discovered_url} is a {kind} of article {article_id}")

    async def _find_original(
        self, item: ArticleDraft
    ) -> tuple[str, int | asyncio.Future[int | None] | None] | None:
        entry = self.in_flight.get(item.url)
        if entry is not None:
            return "copy (same canonical URL)", entry.stored
        for entry in self.in_flight.values():
            if item.fingerprint and hamming(entry.fingerprint, item.fingerprint) <= self.bits:
                return "near-duplicate", entry.stored
        if self.store is None:
            return None
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
        if self.store is None or self.dry_run:
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
