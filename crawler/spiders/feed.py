"""The feed spider: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed through json.

feedparser only ever sees ``response.body`` (bytes), so it never fetches anything itself; the
response URL is handed over as ``Content-Location`` so relative links resolve. JSON Feed
(https://jsonfeed.org, versions 1 and 1.1) is not something feedparser reads, so it is parsed here.
A document that is neither is one counted error for the source.
"""

from __future__ import annotations

import calendar
import json
import time
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Response

from crawler.items import EntryHints
from crawler.sources import Source, SourceKind
from crawler.spiders.base import Entry, EntryParser, NewsSpider, ParseLimits


class NotAFeedError(ValueError):
    """The document is neither RSS, Atom nor JSON Feed."""


def _struct_to_datetime(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def parse_iso_datetime(value: Any) -> datetime | None:
    """An RFC 3339 / ISO 8601 date as an aware datetime (UTC when no offset), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        from dateutil import parser as dateparser

        try:
            parsed = dateparser.parse(value)
        except (ValueError, OverflowError):
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _names(people: Any) -> tuple[str, ...]:
    if isinstance(people, dict):
        people = [people]
    if not isinstance(people, list):
        return ()
    return tuple(str(p["name"]).strip() for p in people if isinstance(p, dict) and p.get("name"))


def parse_json_feed(body: bytes) -> list[Entry]:
    """Entries of a JSON Feed document; raise :class:`NotAFeedError` if it is not one."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAFeedError(f"invalid JSON: {exc}") from exc
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise NotAFeedError("JSON document without a jsonfeed.org version")
    entries: list[Entry] = []
    feed_authors = _names(doc.get("authors") or doc.get("author"))
    for item in doc.get("items") or []:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("external_url")
        if not isinstance(url, str) or not url.strip():
            continue
        text = item.get("content_text")
        if not text and isinstance(item.get("content_html"), str):
            text = item["content_html"]
        tags: list[Any] = item["tags"] if isinstance(item.get("tags"), list) else []
        entries.append(
            (
                url,
                EntryHints(
                    title=item.get("title") if isinstance(item.get("title"), str) else None,
                    published=parse_iso_datetime(item.get("date_published"))
                    or parse_iso_datetime(item.get("date_modified")),
                    summary=item.get("summary") if isinstance(item.get("summary"), str) else None,
                    text=text if isinstance(text, str) and text.strip() else None,
                    authors=_names(item.get("authors") or item.get("author")) or feed_authors,
                    keywords=tuple(str(t) for t in tags),
                ),
            )
        )
    return entries


def _entry_link(entry: Any) -> str | None:
    link = entry.get("link")
    if link:
        return str(link)
    for candidate in entry.get("links") or []:
        if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
            return str(candidate["href"])
    guid = entry.get("id")
    if isinstance(guid, str) and guid.startswith(("http://", "https://")):
        return guid
    return None


def parse_xml_feed(body: bytes, url: str, content_type: str | None = None) -> list[Entry]:
    """Entries of an RSS or Atom document; raise :class:`NotAFeedError` if it is not one."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise NotAFeedError(f"not RSS or Atom ({problem})" if problem else "not RSS or Atom")
    entries: list[Entry] = []
    for entry in parsed.entries:
        link = _entry_link(entry)
        if not link:
            continue
        content = entry.get("content") or []
        text = max((c.get("value") or "" for c in content), key=len, default="") or None
        summary = entry.get("summary")
        if text is not None and summary is not None and text.strip() == summary.strip():
            summary = None  # feedparser copies a lone <content> into summary: not a teaser
        entries.append(
            (
                link,
                EntryHints(
                    title=entry.get("title") or None,
                    published=_struct_to_datetime(
                        entry.get("published_parsed") or entry.get("updated_parsed")
                    ),
                    summary=summary or None,
                    text=text,
                    authors=tuple(a["name"] for a in entry.get("authors") or [] if a.get("name")),
                    keywords=tuple(t["term"] for t in entry.get("tags") or [] if t.get("term")),
                ),
            )
        )
    return entries


def parse_feed_document(body: bytes, url: str, content_type: str | None = None) -> list[Entry]:
    """Entries of a feed in any supported format (JSON Feed recognised by its first byte)."""
    if body.lstrip()[:1] == b"{":
        return parse_json_feed(body)
    return parse_xml_feed(body, url, content_type)


def feed_entries(
    response: Response, source: Source, limits: ParseLimits
) -> tuple[list[Entry], list[str]]:
    """The stories of a feed response (a feed links no further index documents)."""
    content_type = response.headers.get(b"Content-Type")
    return (
        parse_feed_document(
            response.body,
            response.url,
            content_type.decode("latin-1") if content_type else None,
        ),
        [],
    )


class FeedSpider(NewsSpider):
    """Crawls one RSS / Atom / JSON feed source."""

    name = "feed"
    kind = "feed"

    def entry_parser(self, kind: SourceKind) -> EntryParser:
        return feed_entries
