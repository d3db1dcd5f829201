"""Run one crawl of one source inside a running asyncio reactor, and summarise it.

The service and ``newswatch crawl`` both come through here: :func:`build_settings` turns the
validated ``[crawl]`` options and the objects the service hands down (store, matcher, routes,
extraction executor) into Scrapy settings; :func:`crawl_source` runs one spider for one source with
``AsyncCrawlerRunner`` and returns a :class:`CrawlSummary` built from the crawler's stats.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from scrapy import Spider
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import BaseSettings, Settings, SettingsAttribute

from crawler import setting_names as names
from crawler.handover import Shared
from crawler.matching import Matcher
from crawler.pipelines.dedupe import InFlightArticles
from crawler.records import ArticleStore
from crawler.sources import CrawlOptions, Source, SourceKind
from crawler.spiders.feed import FeedSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.sitemap import SitemapSpider

logger = logging.getLogger(__name__)

_S = TypeVar("_S", bound=BaseSettings)

SPIDERS: Mapping[SourceKind, type[Spider]] = {
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "listing": ListingSpider,
}


@dataclass(slots=True)
class CrawlSummary:
    """Per-source counts of one crawl, as ``newswatch crawl`` prints them."""

    source: str
    started: datetime
    finished: datetime
    requests: int = 0
    not_modified: int = 0
    entries: int = 0
    skipped_seen: int = 0
    new_articles: int = 0
    duplicates: int = 0
    matches: int = 0
    errors: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # why the crawl as a whole failed, if it did

    @property
    def ok(self) -> bool:
        """A crawl that reached its source (a 304 counts) without a failure of its own."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "not_modified": self.not_modified,
            "entries": self.entries,
            "skipped_seen": self.skipped_seen,
            "new_articles": self.new_articles,
            "duplicates": self.duplicates,
            "matches": self.matches,
            "dropped": dict(self.dropped),
            "errors": self.errors,
            "error": self.error,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
        }

    @classmethod
    def from_stats(
        cls, source: str, stats: Mapping[str, Any], started: datetime, finished: datetime
    ) -> CrawlSummary:
        def get(key: str) -> int:
            return int(stats.get(key, 0) or 0)

        dropped = {
            key[len(names.STAT_DROPPED_PREFIX) :]: int(value)
            for key, value in stats.items()
            if key.startswith(names.STAT_DROPPED_PREFIX)
        }
        summary = cls(
            source=source,
            started=started,
            finished=finished,
            requests=get("downloader/request_count"),
            not_modified=get(names.STAT_NOT_MODIFIED),
            entries=get(names.STAT_ENTRIES),
            skipped_seen=get(names.STAT_SKIPPED_SEEN),
            new_articles=get(names.STAT_NEW_ARTICLES),
            duplicates=get(names.STAT_DUPLICATES),
            matches=get(names.STAT_MATCHES),
            errors=get(names.STAT_ERRORS) + get("spider_exceptions/count"),
            dropped=dropped,
        )
        reason = stats.get(names.STAT_SOURCE_ERROR)
        if reason:
            summary.error = str(reason)
        return summary


class CrawlSettings(Settings):
    """Scrapy settings whose copies are cheap.

    Every crawl deep-copies its settings (twice); the generic deep copy of ~200 attributes cost
    more CPU than a whole 304 crawl. Values here are scalars, strings, classes, flat containers or
    :class:`Shared` objects, so copying containers one level deep isolates crawls just as well.
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
    store: ArticleStore | None,
    matcher: Matcher | None,
    routes: Mapping[str, Sequence[str]] | None = None,
    dry_run: bool = False,
    executor: Executor | None = None,
    in_flight: InFlightArticles | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Scrapy settings for crawls under ``options`` with the service's objects attached."""
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
            names.NEWSWATCH_MAX_RETRY_AFTER: options.max_retry_after.total_seconds(),
            names.NEWSWATCH_ALLOW_PRIVATE: options.allow_private,
            names.NEWSWATCH_MAX_ARTICLES_PER_RUN: options.max_articles_per_run,
            names.NEWSWATCH_DEFAULT_MAX_AGE: (
                options.default_max_age.total_seconds() if options.default_max_age else None
            ),
            names.NEWSWATCH_STORE: Shared(store) if store is not None else None,
            names.NEWSWATCH_MATCHER: Shared(matcher) if matcher is not None else None,
            names.NEWSWATCH_ROUTES: {k: list(v) for k, v in (routes or {}).items()},
            names.NEWSWATCH_DRY_RUN: dry_run,
            names.NEWSWATCH_EXTRACT_EXECUTOR: Shared(executor) if executor is not None else None,
            names.NEWSWATCH_IN_FLIGHT: Shared(in_flight) if in_flight is not None else None,
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
    """One runner per settings: building one loads the spider modules, so it is reused."""
    return AsyncCrawlerRunner(settings)


async def crawl_source(runner: AsyncCrawlerRunner, source: Source) -> CrawlSummary:
    """Crawl ``source`` once (in the running reactor) and summarise what happened."""
    started = datetime.now(UTC)
    crawler = runner.create_crawler(SPIDERS[source.kind])
    try:
        await runner.crawl(crawler, source=source)
    except Exception as exc:  # a broken source must never take the service down
        logger.error("crawl of %s failed: %s", source.name, exc)
        stats: Mapping[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
        summary = CrawlSummary.from_stats(source.name, stats, started, datetime.now(UTC))
        summary.error = f"{type(exc).__name__}: {exc}"
        summary.errors += 1
        return summary
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return CrawlSummary.from_stats(source.name, stats, started, datetime.now(UTC))
