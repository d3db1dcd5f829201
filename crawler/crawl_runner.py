"""Run crawls inside a running asyncio reactor, and summarise each source's part of them.

The service and ``newswatch crawl`` both come through here: :func:`build_settings` turns the
validated ``[crawl]`` options and the crawl's :class:`~crawler.services.CrawlServices` into Scrapy
settings; :class:`BatchCrawls` runs the sources that fall due together as one
:class:`~crawler.spiders.batch.BatchSpider` crawl on an ``AsyncCrawlerRunner`` and hands each caller
a :class:`CrawlSummary` of its own source, built from the crawler's per-source stats.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import BaseSettings, Settings, SettingsAttribute

from crawler import setting_names as names
from crawler.crawl_summary import INTERRUPTED, CrawlSummary
from crawler.resolver import install_address_guard
from crawler.services import CrawlServices
from crawler.sources import CRAWL_DEADLINE_GRACE, CrawlOptions, Source
from crawler.spiders.batch import BatchSpider

logger = logging.getLogger(__name__)

_S = TypeVar("_S", bound=BaseSettings)


class CrawlSettings(Settings):
    """Scrapy settings whose copies are cheap.

    Every crawl deep-copies its settings (twice); the generic deep copy of ~200 attributes cost
    more CPU than a whole 304 crawl. Values here are scalars, strings, classes, flat containers or
    the shared :class:`CrawlServices`, so copying containers one level deep isolates crawls as well.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> CrawlSettings:
        return _copy_settings(self)


def _copy_settings(source: _S) -> _S:
    new = type(source).__new__(type(source))
    new.__dict__.update(source.__dict__)
    attributes = {}
    for name, attr in source.attributes.items():
        value = attr.value
        if isinstance(value, BaseSettings):
            value = _copy_settings(value)
        elif isinstance(value, dict | list | set):
            value = copy.copy(value)
        clone = SettingsAttribute.__new__(SettingsAttribute)
        clone.value, clone.priority = value, attr.priority
        attributes[name] = clone
    new.attributes = attributes
    return new


def build_settings(
    options: CrawlOptions,
    *,
    services: CrawlServices,
    routes: Mapping[str, Sequence[str]] | None = None,
    dry_run: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Scrapy settings for crawls under ``options`` with the crawl's services attached."""
    # From the module itself, not scrapy.cfg: the service runs from any working directory.
    settings = CrawlSettings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            "USER_AGENT": options.user_agent,
            "ROBOTSTXT_OBEY": options.obey_robots,
            "CONCURRENT_REQUESTS": options.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": options.concurrency_per_domain,
            "DOWNLOAD_DELAY": options.download_delay.total_seconds(),
            "AUTOTHROTTLE_ENABLED": options.autothrottle,
            "DOWNLOAD_TIMEOUT": options.timeout.total_seconds(),
            "DOWNLOAD_MAXSIZE": options.max_size,
            "RETRY_TIMES": options.retries,
            names.NEWSWATCH_SOURCE_DEADLINE: options.deadline.total_seconds(),
            "CLOSESPIDER_TIMEOUT": options.deadline.total_seconds() + CRAWL_DEADLINE_GRACE,
            names.NEWSWATCH_MAX_RETRY_AFTER: options.max_retry_after.total_seconds(),
            names.NEWSWATCH_ALLOW_PRIVATE: options.allow_private,
            names.NEWSWATCH_MAX_ARTICLES_PER_RUN: options.max_articles_per_run,
            names.NEWSWATCH_DEFAULT_MAX_AGE: (
                options.default_max_age.total_seconds() if options.default_max_age else None
            ),
            names.NEWSWATCH_SERVICES: services,
            names.NEWSWATCH_ROUTES: {k: list(v) for k, v in (routes or {}).items()},
            names.NEWSWATCH_DRY_RUN: dry_run,
            # The service logs its own one-line summaries; Scrapy's stats dump is noise there.
            "LOGSTATS_INTERVAL": 0,
            "STATS_DUMP": False,
        },
        priority="cmdline",
    )
    if overrides:
        settings.setdict(dict(overrides), priority="cmdline")
    return settings


def make_runner(settings: Settings) -> AsyncCrawlerRunner:
    """One runner per settings: building one loads the spider modules, so it is reused.

    ``AsyncCrawlerRunner`` installs no DNS resolver, so the connect-time address guard is
    installed here, with this config's ``allow_private``.
    """
    install_address_guard(allow_private=settings.getbool(names.NEWSWATCH_ALLOW_PRIVATE))
    return AsyncCrawlerRunner(settings)


class BatchCrawls:
    """Crawls the sources that fall due together in one Scrapy crawl.

    Building and tearing down a crawler costs more CPU than a feed answering 304, and thousands of
    sources fall due every few minutes. :meth:`crawl` queues a source; a batch starts when
    ``max_batch`` sources wait or ``window`` seconds after the first, runs one :class:`BatchSpider`
    for all of them, and gives each caller its own source's summary. At most ``max_concurrent``
    batches run at once. Each source still keeps its own cadence, state and errors.
    """

    def __init__(
        self,
        runner: AsyncCrawlerRunner,
        *,
        window: float = 0.2,
        max_batch: int = 50,
        max_concurrent: int = 4,
    ) -> None:
        self.runner = runner
        self.window = window
        self.max_batch = max(max_batch, 1)
        self._slots = asyncio.Semaphore(max(max_concurrent, 1))
        self._pending: dict[str, tuple[Source, asyncio.Future[CrawlSummary]]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._cancelled = False

    async def crawl(self, source: Source) -> CrawlSummary:
        """Crawl ``source`` in the next batch; return its summary."""
        queued = self._pending.get(source.name)
        if queued is None:
            loop = asyncio.get_running_loop()
            queued = (source, loop.create_future())
            self._pending[source.name] = queued
            if len(self._pending) >= self.max_batch:
                self._start()
            elif self._timer is None:
                self._timer = loop.call_later(self.window, self._start)
        return await asyncio.shield(queued[1])

    def cancel(self) -> None:
        """Cancel the batches still running, and the sources still waiting for a batch.

        Every caller still gets a summary: what its source's crawl did so far, with the error
        :data:`INTERRUPTED`.
        """
        self._cancelled = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        waiting, self._pending = list(self._pending.values()), {}
        now = datetime.now(UTC)
        for source, future in waiting:
            if not future.done():
                future.set_result(CrawlSummary(source.name, now, now, error=INTERRUPTED))
        for task in self._tasks:
            task.cancel()

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = list(self._pending.values()), {}
        if batch:
            task = asyncio.ensure_future(self._run(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: list[tuple[Source, asyncio.Future[CrawlSummary]]]) -> None:
        error: str | None = None
        cancelled: asyncio.CancelledError | None = None
        crawler = None
        started = datetime.now(UTC)
        try:
            async with self._slots:
                started = datetime.now(UTC)
                crawler = self.runner.create_crawler(BatchSpider)
                await self.runner.crawl(crawler, sources=[source for source, _ in batch])
        except asyncio.CancelledError as exc:
            # Cancelled (Ctrl-C, or shutdown after its grace): the callers still get what the
            # crawl did so far, so ``crawl --once`` can print and record a partial summary.
            cancelled = exc
            error = INTERRUPTED
        except BaseException as exc:  # one broken crawl must never take the service down
            error = f"{type(exc).__name__}: {exc}"
            logger.error("crawl of %s failed: %s", ", ".join(s.name for s, _ in batch), error)
            if not isinstance(exc, Exception):
                for _source, future in batch:
                    future.cancel()
                raise
        finally:
            finished = datetime.now(UTC)
        if self._cancelled and error is None:
            # Scrapy may take the cancellation as a request to close the spider and return
            # normally: the crawl was still cut short.
            error = INTERRUPTED
        stats: Mapping[str, Any] = crawler.stats.get_stats() if crawler and crawler.stats else {}
        for source, future in batch:
            summary = CrawlSummary.from_stats(source.name, stats, started, finished)
            if error is not None:
                summary.error = summary.error or error
                summary.errors += 1
            if not future.done():
                future.set_result(summary)
        if cancelled is not None:
            raise cancelled
