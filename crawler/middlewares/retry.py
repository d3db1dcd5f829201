"""Retries of 5xx/429 answers and network errors that honour ``Retry-After``.

Scrapy's stock ``RetryMiddleware`` retries at once and ignores ``Retry-After``. This one waits
before re-issuing: the server's ``Retry-After`` (seconds or an HTTP date) when given, up to
``NEWSWATCH_MAX_RETRY_AFTER`` (a longer wait gives up on the request with one log line), and an
exponential backoff otherwise. The wait is Scrapy's ``sleep`` (``asyncio.sleep`` on the asyncio
reactor) inside an async ``process_response``, so the event loop keeps running. Retry counts
use Scrapy's ``retry/*`` stats.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from crawler.retry_after import parse_retry_after
from crawler.setting_names import NEWSWATCH_MAX_RETRY_AFTER

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


class RetryAfterMiddleware(RetryMiddleware):
    """Drop-in replacement for Scrapy's ``RetryMiddleware`` that waits before each retry."""

    backoff_base = 1.0  # seconds before the first retry without Retry-After
    backoff_max = 60.0

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_retry_after = crawler.settings.getfloat(NEWSWATCH_MAX_RETRY_AFTER)
        # The spider's errback logs the one line for a request that finally failed.
        self.give_up_log_level = logging.DEBUG

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 0))
        return float(min(self.backoff_max, self.backoff_base * 2**attempt))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        """Retry ``response`` after the wait it asks for, or hand it on."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = parse_retry_after(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.max_retry_after:
            logger.warning(
                "Not retrying %s: Retry-After %.0fs exceeds the %.0fs limit",
                request.url,
                asked,
                self.max_retry_after,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await sleep(asked if asked is not None else self._backoff(request))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        """Retry network errors (timeouts, refused or dropped connections) after a backoff."""
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get(
            "dont_retry", False
        ):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await sleep(self._backoff(request))
        return retry
