"""Normalize pipeline: one canonical URL, clean whitespace, sane dates, and the age limit.

The page's own ``<link rel=canonical>`` wins over the URL we found the story under — it is how a
syndicated or re-linked copy names its original — unless it is obviously not an article URL (a
site's home page, another scheme). Tracking parameters and fragments go either way. A publication
date in the future is a time-zone slip, clamped to the fetch time; a story older than the source's
``max_age`` is dropped as ``too_old``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler

from crawler.items import ArticleDraft
from crawler.pipelines.drops import drop
from crawler.setting_names import NEWSWATCH_DEFAULT_MAX_AGE
from crawler.sources import parse_duration
from crawler.urls import canonicalize_url

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_FUTURE_SLACK = timedelta(hours=1)


def clean_text(text: str) -> str:
    """NFC-normalise, collapse runs of spaces, keep paragraph breaks as single blank lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_line(text: str) -> str:
    """A title: one line, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def choose_url(page_canonical: str, discovered: str) -> str:
    """The URL to store the story under (both arguments absolute)."""
    found = canonicalize_url(discovered)
    try:
        parts = urlsplit(page_canonical)
    except ValueError:
        return found
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path in ("", "/"):
        return found
    return canonicalize_url(page_canonical)


class NormalizePipeline:
    """Canonical URL, whitespace, dates, age limit."""

    def __init__(self, crawler: Crawler, default_max_age: float | None) -> None:
        self.crawler = crawler
        self.default_max_age = default_max_age

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # Seconds from the service, or a duration such as "30d" from `scrapy crawl -s`.
        value = crawler.settings.get(NEWSWATCH_DEFAULT_MAX_AGE)
        return cls(crawler, parse_duration(value).total_seconds() if value else None)

    def _max_age(self, source_name: str) -> timedelta | None:
        sources = getattr(self.crawler.spider, "sources", {})
        max_age = getattr(sources.get(source_name), "max_age", None)
        if isinstance(max_age, timedelta):
            return max_age
        return timedelta(seconds=self.default_max_age) if self.default_max_age else None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleDraft):
            return item
        item.url = choose_url(item.url, item.discovered_url)
        item.title = clean_line(item.title)
        item.text = clean_text(item.text)
        item.summary = clean_line(item.summary) if item.summary else None
        item.authors = tuple(dict.fromkeys(a for a in map(clean_line, item.authors) if a))
        fetched = item.fetched_at or datetime.now(UTC)
        if item.published is not None:
            if item.published.tzinfo is None:
                item.published = item.published.replace(tzinfo=UTC)
            if item.published > fetched + _FUTURE_SLACK:
                item.published = fetched
            max_age = self._max_age(item.source)
            if max_age is not None and item.published < fetched - max_age:
                raise drop(
                    self.crawler,
                    item.source,
                    "too_old",
                    f"{item.url} published {item.published:%F}",
                )
        if not item.title:
            item.title = item.text.split("\n", 1)[0][:200]
        return item
