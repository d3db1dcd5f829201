"""Per-source crawl counts inside one Scrapy stats collector.

One crawl can serve several sources (the service batches the sources that fall due together), so
every count of ours is kept twice: under its plain key (the crawl's total) and under
``key@source``, which :class:`crawler.crawl_summary.CrawlSummary` reads for each source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Annotations only: the crawl summary reads ``source_key`` without importing Scrapy.
    from scrapy.statscollectors import StatsCollector


def source_key(key: str, source: str) -> str:
    """The stats key of ``key`` for one source."""
    return f"{key}@{source}"


def count(stats: StatsCollector | None, key: str, source: str, value: int = 1) -> None:
    """Add ``value`` to ``key`` for the crawl and for ``source``."""
    if stats is None:
        return
    stats.inc_value(key, value)
    stats.inc_value(source_key(key, source), value)


def note(stats: StatsCollector | None, key: str, source: str, value: Any) -> None:
    """Set ``key`` for ``source`` (and for the crawl)."""
    if stats is None:
        return
    stats.set_value(key, value)
    stats.set_value(source_key(key, source), value)
