"""Items the spiders yield: a downloaded article page with what its listing said about it.

Spiders navigate and download; the pipelines (extract -> normalize -> dedupe -> match -> store)
understand. :class:`EntryHints` carries the feed or sitemap entry's own fields, used when the page
itself yields nothing better.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class EntryHints:
    """What the feed entry, sitemap ``<news:news>`` block or listing link said about a story."""

    title: str | None = None
    published: datetime | None = None
    summary: str | None = None
    text: str | None = None  # full content when the feed carries it
    authors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(slots=True)
class PageItem:
    """One downloaded article page."""

    source: str
    url: str  # the URL the story was discovered under (canonicalised)
    final_url: str  # the URL that answered, after redirects
    html: str
    hints: EntryHints = field(default_factory=EntryHints)
    fetched_at: datetime | None = None
