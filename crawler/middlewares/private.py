"""Refuse requests to loopback, private, link-local, CGNAT, multicast and metadata addresses.

A feed is untrusted input: without this, a link to ``http://169.254.169.254/`` or
``http://10.0.0.1/admin`` would make the service probe its own network. Every request is checked,
the source's own URL and redirect targets included (a redirect is a new request through this
middleware). ``NEWSWATCH_ALLOW_PRIVATE`` lifts the refusal for local sources (tests, the demo),
except for cloud metadata endpoints, which no news ever lives at.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import run_in_thread

from crawler.setting_names import NEWSWATCH_ALLOW_PRIVATE, STAT_REFUSED_PRIVATE
from crawler.urls import AddressChecker, is_metadata_refusal

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


async def _resolve_in_thread(host: str) -> list[str]:
    # Scrapy's helper works under the asyncio reactor and under any other Twisted reactor.
    infos = await run_in_thread(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class RefusedPrivateAddress(IgnoreRequest):
    """The request's host is, or resolves to, an address newswatch does not crawl."""


class PrivateAddressMiddleware:
    """Downloader middleware raising :class:`RefusedPrivateAddress` for non-public targets."""

    def __init__(self, crawler: Crawler, *, allow_private: bool) -> None:
        self.crawler = crawler
        self.allow_private = allow_private
        self.checker = AddressChecker(resolver=_resolve_in_thread)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, allow_private=crawler.settings.getbool(NEWSWATCH_ALLOW_PRIVATE))

    async def process_request(self, request: Request) -> None:
        """Raise :class:`RefusedPrivateAddress` when ``request`` targets a non-public address."""
        if request.url.startswith(("data:", "file:")):
            return
        reason = await self.checker.check_url(request.url)
        if reason is None or (self.allow_private and not is_metadata_refusal(reason)):
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(STAT_REFUSED_PRIVATE)
        logger.warning("Refused %s: %s", request.url, reason)
        hint = (
            ""
            if is_metadata_refusal(reason)
            else " (a local site? set allow_private = true under [crawl])"
        )
        raise RefusedPrivateAddress(f"refused non-public address: {reason}{hint}")
