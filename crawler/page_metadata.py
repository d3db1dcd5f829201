"""What a news page declares about itself: title, date, authors, canonical URL, language, summary.

Readers over an lxml tree already parsed by :mod:`crawler.extractor`, pure and Scrapy-free. The
declarations come in order of trust: JSON-LD ``NewsArticle`` and friends (:func:`article_ld`,
searched through lists, ``@graph`` and ``mainEntity``), then OpenGraph and ordinary ``<meta>``
tags (:func:`read_meta`: ``author``, ``description``, ``parsely-*``, ``sailthru.*``, Dublin Core),
then ``<link rel=canonical>``, ``<html lang>`` and ``<title>``. Dates read with an explicit offset
or one of the few unambiguous zone abbreviations news sites print, else as UTC; a canonical URL
on another site (registrable domain) is ignored. Nothing here raises on bad input.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from dateutil import parser as dateparser
from lxml import html as lxml_html

from crawler.urls import same_site

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "BlogPosting",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "BackgroundNewsArticle",
        "TechArticle",
        "Report",
        "LiveBlogPosting",
    }
)

# <meta> keys (name, property or itemprop, lower-cased) in order of preference per field.
TITLE_KEYS = ("og:title", "twitter:title", "parsely-title", "sailthru.title", "dc.title")
SUMMARY_KEYS = (
    "og:description",
    "description",
    "twitter:description",
    "sailthru.description",
    "dc.description",
)
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "article.published",
    "published_time",
    "og:published_time",
    "article_date_original",
    "cxenseparse:recs:publishtime",
    "datecreated",
)
_AUTHOR_KEYS = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "byl",
    "twitter:creator",
)
_LANG_KEYS = ("og:locale", "content-language", "dc.language", "language")

_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0]+")
_BYLINE_RE = re.compile(r"^\s*by\s+", re.I)
# Abbreviations are ambiguous in general (IST); these are the unambiguous ones news sites print.
_TZ_ABBREVIATIONS = {
    "UTC": 0.0,
    "GMT": 0.0,
    "Z": 0.0,
    "EST": -5.0,
    "EDT": -4.0,
    "CST": -6.0,
    "CDT": -5.0,
    "MST": -7.0,
    "MDT": -6.0,
    "PST": -8.0,
    "PDT": -7.0,
    "BST": 1.0,
    "CET": 1.0,
    "CEST": 2.0,
    "JST": 9.0,
    "AEST": 10.0,
    "AEDT": 11.0,
}


def read_meta(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """First non-empty ``content`` per lower-cased ``name``/``property``/``itemprop``."""
    meta: dict[str, str] = {}
    for node in tree.iter("meta"):
        content = clean(node.get("content"))
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (node.get(attr) or "").strip().lower()
            if key and key not in meta:
                meta[key] = content
    return meta


def article_ld(tree: lxml_html.HtmlElement) -> Mapping[str, Any]:
    """The first JSON-LD object typed as an article, searched through lists and ``@graph``."""
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)  # strict=False: raw newlines inside strings
        except ValueError:
            continue
        for obj in _ld_objects(data, depth=0):
            types = obj.get("@type")
            names = (
                {types}
                if isinstance(types, str)
                else set(types or ())
                if isinstance(types, list)
                else set()
            )
            if names & ARTICLE_TYPES:
                return obj
    return {}


def _ld_objects(data: Any, depth: int) -> Iterator[Mapping[str, Any]]:
    if depth > 4:  # declarations are shallow; deep nesting is not worth following
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            if key in data:
                yield from _ld_objects(data[key], depth + 1)


# -- fields --------------------------------------------------------------------------------------


def published_at(ld: Mapping[str, Any], meta: Mapping[str, str]) -> datetime | None:
    """The publication date: JSON-LD first, then the date ``<meta>`` keys; always aware."""
    candidates = [ld_str(ld.get("datePublished")), ld_str(ld.get("dateCreated"))]
    candidates += [meta.get(k) for k in _DATE_KEYS]
    for value in candidates:
        parsed = parse_date(value) if value else None
        if parsed is not None:
            return parsed
    return None


def parse_date(value: str) -> datetime | None:
    """A date as news sites print it (ISO 8601 or free text), timezone-aware, or None."""
    value = value.strip()
    try:
        parsed = dateparser.isoparse(value)
    except (ValueError, OverflowError):
        try:
            parsed = dateparser.parse(value, tzinfos=_tzinfo)
        except (ValueError, OverflowError, TypeError):
            return None
    return aware(parsed)


def _tzinfo(name: str | None, offset: int | None) -> tzinfo | None:
    """Zone for a parsed date: explicit offsets, else the few abbreviations news sites print.

    Unknown abbreviations give a naive date (read as UTC) instead of dateutil's warning, and the
    machine's own zone never leaks in.
    """
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    hours = _TZ_ABBREVIATIONS.get((name or "").upper())
    return timezone(timedelta(hours=hours)) if hours is not None else None


def aware(value: datetime) -> datetime:
    """``value`` with UTC attached when it has no zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def author_names(ld: Mapping[str, Any], meta: Mapping[str, str]) -> tuple[str, ...]:
    """Author names from JSON-LD, else the first author ``<meta>`` key; no bylines or URLs."""
    found = list(_ld_names(ld.get("author")))
    if not found:
        for key in _AUTHOR_KEYS:
            value = meta.get(key)
            if value:
                found = [part for part in re.split(r"\s*(?:,|;|\band\b)\s*", value) if part]
                break
    names = (_BYLINE_RE.sub("", name) for name in found)
    return dedupe(n for n in (clean(name) for name in names) if n and not _looks_like_url(n))


def _ld_names(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            yield name
    elif isinstance(value, list):
        for item in value[:20]:
            if not isinstance(item, list):
                yield from _ld_names(item)


def canonical_url(
    tree: lxml_html.HtmlElement, meta: Mapping[str, str], ld: Mapping[str, Any], url: str
) -> str | None:
    """The page's own absolute canonical URL on the same site, or None."""
    candidates: list[str | None] = [
        node.get("href")
        for node in tree.iter("link")
        if "canonical" in (node.get("rel") or "").lower().split()
    ]
    candidates += [meta.get("og:url"), ld_str(ld.get("url"))]
    for href in candidates:
        href = (href or "").strip()
        if not href:
            continue
        try:
            absolute = urljoin(url, href)
            parts = urlsplit(absolute)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        # A page may only speak for its own site: a canonical elsewhere would make the alert link
        # there and have the real story skipped later as already seen.
        if not same_site(url, absolute):
            logger.debug("ignored canonical %s of %s: another site", absolute, url)
            continue
        return absolute
    return None


def page_language(
    tree: lxml_html.HtmlElement, meta: Mapping[str, str], ld: Mapping[str, Any]
) -> str | None:
    """A language tag (``en``, ``pt-BR``) from ``<html lang>``, ``<meta>`` or JSON-LD."""
    value = first(
        tree.get("lang"),
        tree.get("xml:lang"),
        *(meta.get(k) for k in _LANG_KEYS),
        ld_str(ld.get("inLanguage")),
    )
    if not value:
        return None
    value = value.split(",")[0].strip().replace("_", "-")
    return value if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value) else None


def title_tag(tree: lxml_html.HtmlElement) -> str | None:
    """The ``<title>`` text, whitespace collapsed."""
    node = tree.find(".//title")
    return clean(node.text_content()) if node is not None else None


# -- small helpers -------------------------------------------------------------------------------


def ld_str(value: Any) -> str | None:
    """A JSON-LD value as one string (first of a list, ``@value`` or ``name`` of an object)."""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return value if isinstance(value, str) else None


def clean(value: str | None) -> str | None:
    """``value`` with whitespace collapsed and stripped; None when nothing is left."""
    if not value:
        return None
    cleaned = _SPACE_RE.sub(" ", value).strip()
    return cleaned or None


def first(*values: str | None) -> str | None:
    """The first value that is not empty once cleaned."""
    for value in values:
        cleaned = clean(value)
        if cleaned:
            return cleaned
    return None


def dedupe(values: Iterable[str]) -> tuple[str, ...]:
    """``values`` without case-insensitive repeats, first spelling and order kept."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return tuple(seen.values())


def _looks_like_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "www.", "@")) or "/" in value
