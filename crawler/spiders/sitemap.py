"""The sitemap spider: Google News sitemaps, plain ``<urlset>`` sitemaps and sitemap indexes.

Scrapy's sitemap helper drops ``news:title`` and ``news:publication_date``, so the documents are
read here with namespaced XPath: ``<news:news>`` gives title, publication date and keywords;
a plain ``<url>`` gives its ``<lastmod>``; a ``<sitemapindex>`` gives child sitemaps, which are
followed (with their own conditional GET) unless their ``lastmod`` is older than ``max_age``; the
index itself is always fetched in full, since it often stays the same while its children change.

A sitemap is untrusted input. Gzipped sitemaps (often served without ``Content-Encoding``, so
Scrapy's own size limit never sees the unpacked size) are stream-decompressed within the same
``DOWNLOAD_MAXSIZE`` as downloads: a gzip bomb costs at most that much memory and is an error. A
document that declares XML entities (the "billion laughs" shape) is refused as an error rather
than parsed into nothing. How deep and how wide indexes are followed is bounded by the spider.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

from parsel import Selector
from scrapy.http import Response

from crawler.items import EntryHints
from crawler.sources import Source, SourceKind
from crawler.spiders.base import Entry, EntryParser, NewsSpider, ParseLimits
from crawler.spiders.feed import parse_iso_datetime

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


# The same default as DOWNLOAD_MAXSIZE: what one response may weigh, unpacked or not.
DEFAULT_MAX_SIZE = 10 * 1024 * 1024
# An entity declaration in the prolog: sitemaps never need one, entity bombs always do.
_ENTITY_DECLARATION = b"<!ENTITY"


class NotASitemapError(ValueError):
    """The document is neither a ``<urlset>`` nor a ``<sitemapindex>``."""


class SitemapTooLargeError(NotASitemapError):
    """A gzipped sitemap unpacks to more than the size limit (a gzip bomb, or simply too big)."""


def gunzip_bounded(data: bytes, max_size: int) -> bytes:
    """Unpack gzip ``data``, never holding more than ``max_size`` + 1 unpacked bytes.

    ``max_length`` makes zlib stop producing output at the bound instead of inflating the whole
    stream first, so a bomb of any ratio costs at most ``max_size`` bytes of memory.
    """
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_size + 1)
    except zlib.error as exc:
        raise NotASitemapError(f"broken gzip: {exc}") from exc
    if len(out) > max_size:
        raise SitemapTooLargeError(f"gzipped sitemap unpacks to more than {max_size} bytes")
    return out


def _text(node: Selector, xpath: str) -> str | None:
    value = node.xpath(xpath, namespaces=NS).get()
    return value.strip() if value and value.strip() else None


def parse_sitemap_document(
    body: bytes, *, max_size: int = DEFAULT_MAX_SIZE
) -> tuple[list[Entry], list[tuple[str, datetime | None]]]:
    """(stories, child sitemaps with their lastmod) of a sitemap or sitemap index document.

    Raises :class:`NotASitemapError` (or :class:`SitemapTooLargeError`) on anything else.
    """
    if body[:2] == b"\x1f\x8b":
        body = gunzip_bounded(body, max_size if max_size > 0 else DEFAULT_MAX_SIZE)
    # The parser does not expand entities, so a document built around them parses into nothing;
    # saying so beats an empty, silent result. (XML is case-sensitive, and a literal "<!ENTITY"
    # can only sit in a DTD, a comment or CDATA -- none of which a sitemap needs.)
    if _ENTITY_DECLARATION in body:
        raise NotASitemapError("the document declares XML entities (refused)")
    try:
        root = Selector(body=body, type="xml")
    except Exception as exc:
        raise NotASitemapError(f"not XML: {exc}") from exc
    # Some sitemaps omit the namespace; match the sitemap elements by local name.
    kind = root.xpath("name(/*)").get() or ""
    local = kind.rsplit(":", 1)[-1]
    if local == "sitemapindex":
        children = []
        for node in root.xpath("/*/*[local-name()='sitemap']"):
            loc = _text(node, "*[local-name()='loc']/text()")
            if loc:
                children.append(
                    (loc, parse_iso_datetime(_text(node, "*[local-name()='lastmod']/text()")))
                )
        return [], children
    if local != "urlset":
        raise NotASitemapError(f"root element is <{kind or '?'}>, not <urlset> or <sitemapindex>")
    entries: list[Entry] = []
    for node in root.xpath("/*/*[local-name()='url']"):
        loc = _text(node, "*[local-name()='loc']/text()")
        if not loc:
            continue
        news = node.xpath("news:news", namespaces=NS)
        if news:
            block = news[0]
            keywords = _text(block, "news:keywords/text()") or ""
            hints = EntryHints(
                title=_text(block, "news:title/text()"),
                published=parse_iso_datetime(_text(block, "news:publication_date/text()")),
                keywords=tuple(k.strip() for k in keywords.split(",") if k.strip()),
            )
        else:
            hints = EntryHints(
                published=parse_iso_datetime(_text(node, "*[local-name()='lastmod']/text()"))
            )
        entries.append((loc, hints))
    return entries, []


class SitemapSpider(NewsSpider):
    """Crawls one news sitemap, plain sitemap or sitemap index source."""

    name = "sitemap"
    kind = "sitemap"

    def entry_parser(self, kind: SourceKind) -> EntryParser:
        return sitemap_entries


def sitemap_entries(
    response: Response, source: Source, limits: ParseLimits
) -> tuple[list[Entry], list[str]]:
    """The stories of a sitemap, and the child sitemaps of an index that may hold recent ones."""
    entries, children = parse_sitemap_document(response.body, max_size=limits.max_size)
    max_age = limits.max_age
    cutoff = datetime.now(UTC) - timedelta(seconds=max_age) if max_age is not None else None
    follow = [
        response.urljoin(loc)
        for loc, lastmod in children
        if cutoff is None or lastmod is None or lastmod >= cutoff
    ]
    return entries, follow
