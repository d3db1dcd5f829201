"""Match pipeline: every new article is matched against every watchlist.

The matcher is handed over in ``NEWSWATCH_MATCHER`` (built from the config in force when the crawl
started, so a watchlist edit applies to the next article matched). Matching is one Aho-Corasick pass
and costs well under a millisecond, so it runs inline. A matcher failure is logged and counted and
the article is still stored, so the story itself is never lost.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.handover import unwrap
from crawler.items import ArticleDraft
from crawler.matching import Matcher
from crawler.setting_names import NEWSWATCH_MATCHER, STAT_ERRORS, STAT_MATCHES
from crawler.stats import count

logger = logging.getLogger(__name__)


class MatchPipeline:
    """Attach the watchlist matches to each article."""

    def __init__(self, crawler: Crawler, matcher: Matcher | None) -> None:
        self.crawler = crawler
        self.matcher = matcher

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, unwrap(crawler.settings.get(NEWSWATCH_MATCHER)))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleDraft) or self.matcher is None:
            return item
        try:
            item.matches = self.matcher.match(
                item.title, item.text, source=item.source, published=item.published
            )
        except Exception:
            logger.exception("matching failed for %s; storing it unmatched", item.url)
            count(self.crawler.stats, STAT_ERRORS, item.source)
            return item
        if item.matches:
            count(self.crawler.stats, STAT_MATCHES, item.source, len(item.matches))
        return item
