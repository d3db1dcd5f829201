"""The live objects a crawl works with, handed to Scrapy components in one typed setting.

Scrapy builds components from settings, and copies settings for every crawler; a connection pool
or a thread pool must be shared, not copied. :class:`CrawlServices` is one frozen object holding
them, set as ``NEWSWATCH_SERVICES`` by whoever starts the crawl (the service, ``newswatch crawl``,
tests); a deep copy of it is the object itself. Components get it in ``from_crawler`` through
:func:`crawl_services`, which raises ``NotConfigured`` when it is absent, so a plain
``scrapy crawl`` runs the spiders and the pure pipelines and switches the storing ones off.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from crawler.in_flight import InFlightArticles
from crawler.robots_cache import RobotsCache
from crawler.setting_names import NEWSWATCH_SERVICES

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from crawler.article_store import ArticleStore
    from crawler.matching import Matcher


@dataclass(frozen=True, slots=True, eq=False)
class CrawlServices:
    """The store, the matcher, the extraction threads, the in-flight registry of crawls and the
    robots.txt cache."""

    store: ArticleStore | None = None
    matcher: Matcher | None = None
    executor: Executor | None = None  # None: extract in the loop's default executor
    in_flight: InFlightArticles = field(default_factory=InFlightArticles)
    robots: RobotsCache = field(default_factory=RobotsCache)  # per process, across crawls

    def __deepcopy__(self, memo: dict[int, Any]) -> CrawlServices:
        return self  # shared by every copy of the settings: these objects are live

    def __copy__(self) -> CrawlServices:
        return self


def find_services(settings: BaseSettings) -> CrawlServices | None:
    """The services set in ``settings``, or None (a plain ``scrapy crawl``)."""
    services = settings.get(NEWSWATCH_SERVICES)
    if services is not None and not isinstance(services, CrawlServices):
        raise TypeError(f"{NEWSWATCH_SERVICES} must be a CrawlServices, not {type(services)}")
    return services


def crawl_services(crawler: Crawler, *, needs: str) -> CrawlServices:
    """The crawl's services; ``NotConfigured`` (naming ``needs``) when none were handed over."""
    services = find_services(crawler.settings)
    if services is None:
        raise NotConfigured(f"no {NEWSWATCH_SERVICES}: {needs}")
    return services


def crawl_store(crawler: Crawler, *, needs: str) -> ArticleStore:
    """The crawl's article store; ``NotConfigured`` when there is none."""
    store = crawl_services(crawler, needs=needs).store
    if store is None:
        raise NotConfigured(f"no store in {NEWSWATCH_SERVICES}: {needs}")
    return store
