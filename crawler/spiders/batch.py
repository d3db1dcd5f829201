"""The batch spider: several sources of any kind in one crawl.

The service crawls the sources that fall due together in one Scrapy crawl (see
:class:`crawler.crawl_runner.BatchCrawls`): setting a crawler up costs more than a feed answering
304. Each request carries its source, each count is kept per source, and each kind of index
document is read by the same function its single-source spider uses.
"""

from __future__ import annotations

from collections.abc import Mapping

from crawler.sources import SourceKind
from crawler.spiders.base import EntryParser, NewsSpider
from crawler.spiders.feed import feed_entries
from crawler.spiders.listing import listing_entries
from crawler.spiders.sitemap import sitemap_entries

ENTRY_PARSERS: Mapping[SourceKind, EntryParser] = {
    "feed": feed_entries,
    "sitemap": sitemap_entries,
    "listing": listing_entries,
}


class BatchSpider(NewsSpider):
    """Crawls the sources it is given (``runner.crawl(BatchSpider, sources=[...])``)."""

    name = "batch"
    kind = None

    def entry_parser(self, kind: SourceKind) -> EntryParser:
        return ENTRY_PARSERS[kind]
