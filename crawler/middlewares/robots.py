"""robots.txt obedience without the Scrapy 2.19 race, downloaded once per host per lifetime.

Scrapy's stock middleware parks every request that arrives while a host's robots.txt is still
downloading on one shared Deferred, each through ``asFuture``. ``asFuture``'s callback returns
None, so only the first waiter receives the parser and all later waiters receive None, which the
stock code reads as "no robots.txt, allow everything": a burst of queued requests slips past a
disallow rule. Here every waiter gets its own Deferred, woken with the same verdict.

The stock middleware also downloads robots.txt again in every crawl, and the service runs a crawl
per batch of sources every few seconds. Verdicts live in the process-wide
:class:`~crawler.robots_cache.RobotsCache` of the crawl's services (a plain ``scrapy crawl`` gets
one of its own), which also says what a 4xx, a 5xx or a network failure means (see there); a
concurrent crawl waits for a download another crawl started instead of starting its own.

A disallowed request raises :class:`ForbiddenByRobots` and counts ``STAT_ROBOTS_FORBIDDEN``; it is
never downloaded. So does every request to a host whose robots.txt is unreachable, with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet import defer
from twisted.internet.defer import Deferred

from crawler.robots_cache import RobotsCache, RobotsVerdict
from crawler.services import find_services
from crawler.setting_names import STAT_ROBOTS_FORBIDDEN

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class ForbiddenByRobots(IgnoreRequest):
    """The request's URL is disallowed by its host's robots.txt (or that is unreachable)."""


class RobotsTxtMiddleware:
    """Downloader middleware: refuse what robots.txt disallows, from a process-wide cache."""

    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler, cache: RobotsCache) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        self.crawler = crawler
        self.cache = cache
        assert crawler.stats is not None
        self._stats: StatsCollector = crawler.stats
        self._default_useragent: str = crawler.settings["USER_AGENT"]
        self._robotstxt_useragent: str | None = crawler.settings["ROBOTSTXT_USER_AGENT"]
        self._parserimpl: type[RobotParser] = load_object(crawler.settings["ROBOTSTXT_PARSER"])
        # The failures that make a robots.txt "unreachable" (disallow all for a while): the
        # network errors a retry is for. Anything else says nothing about the host.
        self._network_errors: tuple[type[BaseException], ...] = tuple(
            load_object(e) if isinstance(e, str) else e
            for e in crawler.settings.getlist("RETRY_EXCEPTIONS")
        )
        # Fail at start-up, not on the first response, when the parser's dependency is missing.
        build_from_crawler(self._parserimpl, crawler, b"")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        services = find_services(crawler.settings)
        return cls(crawler, services.robots if services is not None else RobotsCache())

    async def process_request(self, request: Request) -> None:
        """Raise :class:`ForbiddenByRobots` when robots.txt disallows ``request``."""
        if request.meta.get("dont_obey_robotstxt"):
            return
        if request.url.startswith(("data:", "file:")):
            return
        verdict = await self.verdict(request)
        if verdict is None:
            return  # refused before the network: the request itself meets the same refusal
        useragent: str | bytes | None = self._robotstxt_useragent
        if not useragent:
            useragent = request.headers.get(b"User-Agent", self._default_useragent)
        assert useragent is not None
        if not verdict.allowed(request.url, useragent):
            self._stats.inc_value(STAT_ROBOTS_FORBIDDEN)
            self._stats.inc_value("robotstxt/forbidden")
            if verdict.kind == "unreachable":
                logger.info("robots.txt unreachable (%s): %s", verdict.reason, request.url)
                raise ForbiddenByRobots(
                    f"robots.txt unreachable ({verdict.reason}): treated as disallowing all"
                )
            logger.info("Forbidden by robots.txt: %s", request.url)
            raise ForbiddenByRobots("Forbidden by robots.txt")

    async def verdict(self, request: Request) -> RobotsVerdict | None:
        """The robots verdict for ``request``'s origin, downloading robots.txt when none holds.

        None: the robots.txt request itself was refused before the network (a private address,
        the crawl's deadline), which says nothing about the host and is not cached.
        """
        url = urlparse_cached(request)
        origin = f"{url.scheme}://{url.netloc}"
        while True:
            verdict = self.cache.get(origin)
            if verdict is not None:
                return verdict
            if self.cache.claim(origin):
                return await self._download(origin, request)
            # Our own Deferred: a shared one would hand the verdict to the first waiter only.
            own: Deferred[RobotsVerdict | None] = Deferred()
            self.cache.wait(origin, own.callback)
            verdict = await maybe_deferred_to_future(own)
            if verdict is not None:
                return verdict
            # The download we waited for was abandoned or refused: go round, claim it ourselves.

    async def _download(self, origin: str, request: Request) -> RobotsVerdict | None:
        verdict: RobotsVerdict | None = None
        robots_request = Request(
            f"{origin}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        try:
            assert self.crawler.engine is not None
            response = await self.crawler.engine.download_async(robots_request)
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            verdict = self._remember(origin, response)
            if verdict.rules is not None:
                await self.crawler.signals.send_catch_log_async(
                    signal=signals.robots_parsed, robotparser=verdict.rules, request=request
                )
        except IgnoreRequest:
            verdict = None
        except (asyncio.CancelledError, defer.CancelledError):
            raise  # the crawl is going away; a waiter in another crawl tries itself
        except self._network_errors as exc:
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            verdict = self.cache.store_unreachable(origin, f"{type(exc).__name__}: {exc}")
            logger.warning(
                "Could not download %s (%s): disallowing the host for now", robots_request.url, exc
            )
        except Exception as exc:
            # Not the host's fault (a bug, a closing crawl): allow, as Scrapy does, uncached.
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            logger.warning("Could not download %s: %s", robots_request.url, exc)
            verdict = None
        finally:
            self._stats.inc_value("robotstxt/request_count")
            self.cache.release(origin, verdict)
        return verdict

    def _remember(self, origin: str, response: Response) -> RobotsVerdict:
        def parse() -> RobotParser:
            parser = build_from_crawler(self._parserimpl, self.crawler, response.body)
            # Scrapy's parsers keep the spider only to log decoding trouble; a verdict outlives
            # this crawl, and must not keep its spider (and crawler) alive for a day.
            if getattr(parser, "spider", None) is not None:
                parser.spider = None  # type: ignore[attr-defined]
            return parser

        cache_control = response.headers.get(b"Cache-Control")
        verdict = self.cache.store_response(
            origin,
            response.status,
            parse,
            cache_control.decode("latin-1") if cache_control else None,
        )
        if verdict.kind == "unreachable":
            logger.warning(
                "%s/robots.txt answered %s: disallowing the host for now", origin, response.status
            )
        return verdict
