"""Items the spiders yield: a downloaded article page with what its listing said about it.

Spiders navigate and download; the pipelines (extract -> normalize -> dedupe -> match -> store)
understand. :class:`EntryHints` carries the feed or sitemap entry's own fields, used when the page
itself yields nothing better.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler.matching.types import Match


@dataclass(frozen=True, slots=True)
class EntryHints:
    """What the feed entry, sitemap ``<news:news>`` block or listing link said about a story."""

    title: str | None = None
    published: datetime | None = None
    summary: str | None = None
    text: str | None = None  # full content when the feed carries it
    authors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


def _html_text(value: bytes | str) -> str:
    # Feed exports (scrapy crawl -o) write JSON, which has no bytes.
    if isinstance(value, str):
        return value
    from crawler.extractor import decode_html

    return decode_html(value)


@dataclass(slots=True)
class PageItem:
    """One downloaded article page."""

    source: str
    url: str  # the URL the story was discovered under (canonicalised)
    final_url: str  # the URL that answered, after redirects
    # The response body as received, decoded at extraction (not before); exported as text.
    html: bytes | str = field(metadata={"serializer": _html_text})
    hints: EntryHints = field(default_factory=EntryHints)
    charset: str | None = None  # what the Content-Type header claims; weighed, not trusted
    fetched_at: datetime | None = None


@dataclass(slots=True)
class ArticleDraft:
    """An article on its way through the pipelines, from extraction to the store."""

    source: str
    url: str  # canonical URL the story is stored under
    discovered_url: str  # canonical URL the spider found it under (may differ from ``url``)
    fetched_url: str
    title: str
    text: str
    published: datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    summary: str | None = None
    fingerprint: int = 0
    content_hash: str = ""
    fetched_at: datetime | None = None
    matches: list[Match] = field(default_factory=list)
