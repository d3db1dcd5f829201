"""Match pipeline: every new article is matched against every watchlist.

The matcher comes in the crawl's :class:`~crawler.services.CrawlServices` (built from the config
in force when the crawl's runner was built; a reload builds a new runner, so a watchlist edit
applies to the next crawl); without one the pipeline switches itself off. Matching is pure Python
and linear in the text, whose length it caps, but it runs on a worker thread all the same: the
event loop also serves the scheduler, the dispatcher and ``/healthz``, and a long page must not
stall them. A matcher failure is logged and counted and the article is still stored, so the story
itself is never lost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import ArticleDraft
from crawler.matching import Matcher
from crawler.services import crawl_services
from crawler.setting_names import STAT_ERRORS, STAT_MATCHES
from crawler.stats import count

logger = logging.getLogger(__name__)


class MatchPipeline:
    """Attach the watchlist matches to each article."""

    def __init__(self, crawler: Crawler, matcher: Matcher) -> None:
        self.crawler = crawler
        self.matcher = matcher

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        matcher = crawl_services(crawler, needs="matching needs a matcher").matcher
        if matcher is None:
            raise NotConfigured("no matcher in the crawl's services")
        return cls(crawler, matcher)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleDraft):
            return item
        try:
            item.matches = await asyncio.to_thread(
                self.matcher.match,
                item.title,
                item.text,
                source=item.source,
                published=item.published,
            )
        except Exception:
            logger.exception("matching failed for %s; storing it unmatched", item.url)
            count(self.crawler.stats, STAT_ERRORS, item.source)
            return item
        if item.matches:
            count(self.crawler.stats, STAT_MATCHES, item.source, len(item.matches))
        return item
