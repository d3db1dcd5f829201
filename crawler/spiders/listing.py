"""The listing spider: a section front or "latest news" page whose article links a CSS selector
picks out.

The selector (``links`` in the source) may point at the ``<a>`` elements themselves or at
elements that contain one; relative links are made absolute against the page URL. The link text
becomes the title hint. Listing pages carry no dates, so ``max_age`` does not apply to them and
the store's "already seen" check does the filtering.

A page nested deeper than :data:`MAX_DEPTH` elements is an error, not an empty listing: lxml
stops building the tree a couple of thousand levels down and would silently lose every link
below, so a hostile (or broken) page would look like a quiet source.
"""

from __future__ import annotations

from scrapy.http import Response, TextResponse

from crawler.items import EntryHints
from crawler.sources import Source, SourceKind
from crawler.spiders.base import Entry, EntryParser, NewsSpider, ParseLimits

# Browsers' HTML parsers stop nesting at 512 levels (Blink's limit); no real listing comes close.
MAX_DEPTH = 512
# One child step per level from the root: the path visits each element once (linear, unlike a
# count of ancestors per element).
_TOO_DEEP = "boolean(" + "/*" * (MAX_DEPTH + 1) + ")"


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
    if response.xpath(_TOO_DEEP).get() == "1":
        raise ValueError(f"the page nests elements more than {MAX_DEPTH} levels deep")
    entries: list[Entry] = []
    for node in response.css(source.links):
        href = node.attrib.get("href") or node.css("a::attr(href)").get()
        if not href:
            continue
        title = " ".join(" ".join(node.css("::text").getall()).split()) or None
        entries.append((response.urljoin(href), EntryHints(title=title)))
    return entries, []
