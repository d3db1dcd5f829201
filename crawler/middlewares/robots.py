"""robots.txt obedience without the Scrapy 2.19 race that lets disallowed URLs through.

Scrapy's stock middleware parks every request that arrives while a host's robots.txt is still
downloading on one shared Deferred, each through ``asFuture``. ``asFuture``'s callback returns
None, so only the first waiter receives the parser and all later waiters receive None, which the
stock code reads as "no robots.txt, allow everything": a burst of queued requests slips past a
disallow rule. Here every waiter gets its own Deferred, woken with the same parser.

A disallowed request raises :class:`scrapy.exceptions.IgnoreRequest` and counts
``STAT_ROBOTS_FORBIDDEN``; it is never downloaded.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from crawler.setting_names import STAT_ROBOTS_FORBIDDEN

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class ForbiddenByRobots(IgnoreRequest):
    """The request's URL is disallowed by its host's robots.txt."""


class RobotsTxtMiddleware:
    """Downloader middleware: download each host's robots.txt once, refuse disallowed URLs."""

    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        self.crawler = crawler
        assert crawler.stats is not None
        self._stats: StatsCollector = crawler.stats
        self._default_useragent: str = crawler.settings["USER_AGENT"]
        self._robotstxt_useragent: str | None = crawler.settings["ROBOTSTXT_USER_AGENT"]
        self._parserimpl: type[RobotParser] = load_object(crawler.settings["ROBOTSTXT_PARSER"])
        # Hosts whose robots.txt is known (None: none usable, allow all).
        self._parsers: dict[str, RobotParser | None] = {}
        # Hosts whose robots.txt is downloading -> one Deferred per waiting request.
        self._waiters: dict[str, list[Deferred[RobotParser | None]]] = {}
        # Fail at start-up, not on the first response, when the parser's dependency is missing.
        build_from_crawler(self._parserimpl, crawler, b"")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Raise :class:`ForbiddenByRobots` when robots.txt disallows ``request``."""
        if request.meta.get("dont_obey_robotstxt"):
            return
        if request.url.startswith(("data:", "file:")):
            return
        parser = await self.robot_parser(request)
        if parser is None:
            return
        useragent: str | bytes | None = self._robotstxt_useragent
        if not useragent:
            useragent = request.headers.get(b"User-Agent", self._default_useragent)
        assert useragent is not None
        if not parser.allowed(request.url, useragent):
            self._stats.inc_value(STAT_ROBOTS_FORBIDDEN)
            self._stats.inc_value("robotstxt/forbidden")
            logger.info("Forbidden by robots.txt: %s", request.url)
            raise ForbiddenByRobots("Forbidden by robots.txt")

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The parser of ``request``'s host, downloading robots.txt on first use."""
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc in self._parsers:
            return self._parsers[netloc]
        if netloc in self._waiters:
            # Our own Deferred: a shared one would hand the parser to the first waiter only.
            own: Deferred[RobotParser | None] = Deferred()
            self._waiters[netloc].append(own)
            return await maybe_deferred_to_future(own)
        self._waiters[netloc] = []
        parser: RobotParser | None = None
        robots_request = Request(
            f"{url.scheme}://{netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        try:
            assert self.crawler.engine is not None
            response = await self.crawler.engine.download_async(robots_request)
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            parser = build_from_crawler(self._parserimpl, self.crawler, response.body)
            await self.crawler.signals.send_catch_log_async(
                signal=signals.robots_parsed, robotparser=parser, request=request
            )
        except Exception as exc:
            # Same policy as Scrapy: an unreachable robots.txt allows everything.
            if not isinstance(exc, IgnoreRequest):
                self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
                logger.warning("Could not download %s: %s", robots_request.url, exc)
            parser = None
        finally:
            self._stats.inc_value("robotstxt/request_count")
            self._parsers[netloc] = parser
            for waiter in self._waiters.pop(netloc, []):
                waiter.callback(parser)
        return parser
