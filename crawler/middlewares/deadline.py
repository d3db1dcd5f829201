"""Give every source of a crawl a deadline, so one slow source cannot hold its batch hostage.

A source that trickles its pages a byte a second, or keeps linking new documents, would otherwise
keep the whole crawl -- and every source batched with it -- busy for as long as it likes
(``DOWNLOAD_TIMEOUT`` bounds one download, not a source's run; with retries and many stories the
worst case is hours). ``NEWSWATCH_SOURCE_DEADLINE`` seconds after the crawl opens, a source is cut:
each download is given at most the time left before the deadline (``download_timeout``), and a
request made after it is refused with :class:`DeadlineExceeded`. The first cut of a source is one
counted error and one log line, and is noted as the source's error, so its state shows it; the
stories it could not fetch are fetched on its next run (the index keeps no validators). The crawl as
a whole is closed by Scrapy's ``CLOSESPIDER_TIMEOUT``, set a little later, as a last resort.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.setting_names import (
    NEWSWATCH_SOURCE_DEADLINE,
    STAT_DEADLINE_DROPPED,
    STAT_ERRORS,
    STAT_SOURCE_ERROR,
)
from crawler.stats import count, note

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_META = "newswatch"  # the spiders' request meta key (source name, role)


class DeadlineExceeded(IgnoreRequest):
    """The request's source ran out of time in this crawl."""


class DeadlineMiddleware:
    """Downloader middleware: per-source deadline, counted once per source."""

    def __init__(self, crawler: Crawler, deadline: float) -> None:
        self.crawler = crawler
        self.deadline = deadline
        self.default_timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        self.opened = time.monotonic()
        self._cut: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        deadline = crawler.settings.getfloat(NEWSWATCH_SOURCE_DEADLINE)
        if deadline <= 0:
            raise NotConfigured("NEWSWATCH_SOURCE_DEADLINE is 0")
        middleware = cls(crawler, deadline)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, *_: Any, **__: Any) -> None:
        self.opened = time.monotonic()

    def process_request(self, request: Request) -> None:
        """Cap the download at the time left; refuse it once none is left."""
        left = self.opened + self.deadline - time.monotonic()
        source = request.meta.get(_META, {}).get("source")
        if left <= 0:
            if source is not None:
                self._note_cut(source, request.url)
            raise DeadlineExceeded(f"deadline of {self.deadline:g}s reached")
        current = request.meta.get("download_timeout", self.default_timeout) or left
        request.meta["download_timeout"] = min(float(current), left)

    def _note_cut(self, source: str, url: str) -> None:
        stats = self.crawler.stats
        count(stats, STAT_DEADLINE_DROPPED, source)
        if source in self._cut:
            return
        self._cut.add(source)
        reason = f"cut at its {self.deadline:g}s deadline; the rest waits for the next run"
        count(stats, STAT_ERRORS, source)
        note(stats, STAT_SOURCE_ERROR, source, reason)
        logger.error("%s: %s (first request left out: %s)", source, reason, url)
