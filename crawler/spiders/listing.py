"""The listing spider: a section front or "latest news" page whose article links a CSS selector
picks out.

The selector (``links`` in the source) may point at the ``<a>`` elements themselves or at
elements that contain one; relative links are made absolute against the page URL. The link text
becomes the title hint. Listing pages carry no dates, so ``max_age`` does not apply to them and
the store's "already seen" check does the filtering.
"""

from __future__ import annotations

from scrapy.http import Response, TextResponse

from crawler.items import EntryHints
from crawler.sources import Source, SourceKind
from crawler.spiders.base import Entry, EntryParser, NewsSpider, ParseLimits


class ListingSpider(NewsSpider):
    """Crawls one listing page source."""

    name = "listing"
    kind = "listing"

    def entry_parser(self, kind: SourceKind) -> EntryParser:
        return listing_entries


def listing_entries(
    response: Response, source: Source, limits: ParseLimits
) -> tuple[list[Entry], list[str]]:
    """The story links a listing page's selector finds (with their text as the title)."""
    if not isinstance(response, TextResponse):
        raise ValueError("the listing page is not HTML")
    assert source.links is not None
    entries: list[Entry] = []
    for node in response.css(source.links):
        href = node.attrib.get("href") or node.css("a::attr(href)").get()
        if not href:
            continue
        title = " ".join(" ".join(node.css("::text").getall()).split()) or None
        entries.append((response.urljoin(href), EntryHints(title=title)))
    return entries, []
