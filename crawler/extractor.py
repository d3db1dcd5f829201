"""Article extraction: one downloaded HTML page in, the story's fields out, no Scrapy involved.

The body comes from trafilatura with ``favor_precision=True`` and without reader comments, and a
second, default-mode pass only when precision mode kept a mere scrap (on the 181-page reference set
this scores F1 0.969 against 0.953 for trafilatura's defaults; see ``bench/extraction.py``).
Metadata (title, publication date, authors, canonical URL, language, summary) comes from the page's
own declarations, in order of trust: JSON-LD ``NewsArticle`` and friends, then OpenGraph, then
ordinary ``<meta>`` tags (``author``, ``description``, ``parsely-*``, ``sailthru.*``, Dublin Core),
then ``<link rel=canonical>``, ``<html lang>`` and ``<title>``; those readers live in
:mod:`crawler.page_metadata`. A canonical URL on another site (registrable domain) is ignored.
The page is parsed once with lxml and that tree serves both the metadata reading (under 0.5 ms
a page, where BeautifulSoup even with a SoupStrainer costs about 29 ms, as much as trafilatura
itself) and trafilatura. JSON-LD
``articleBody`` is used for the text only when trafilatura finds far less than the publisher
declares (JavaScript app shells). Nothing here raises on bad input: broken markup, binary junk or
an empty document give an :class:`ArticleFields` with empty text, which the pipeline drops and
counts. The work is bounded as well as the output: trafilatura's cost grows faster than the number
of elements (2 MB of ``<p>a</p>``, 260k elements, cost 164 CPU-s here; 20k elements at most 1.6 s),
so a page of more than :data:`MAX_ELEMENTS` elements, ten times the largest real page of the
reference set, is not analysed (libxml2 parses it without the GIL, and caps nesting at 256 levels);
the pipeline then falls back on the feed entry's own fields. HTML fragments (a feed entry's
content, JSON-LD ``articleBody``) are read up to :data:`MAX_FRAGMENT_CHARS`, in one linear walk.
"""

from __future__ import annotations

import codecs
import html
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import trafilatura
from bs4 import BeautifulSoup, CData, Tag
from bs4.element import NavigableString, PageElement
from lxml import html as lxml_html
from lxml.etree import ParserError
from trafilatura.utils import load_html

from crawler.page_metadata import (
    SUMMARY_KEYS,
    TITLE_KEYS,
    article_ld,
    author_names,
    aware,
    canonical_url,
    clean,
    dedupe,
    first,
    ld_str,
    page_language,
    published_at,
    read_meta,
    title_tag,
)

logger = logging.getLogger(__name__)

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")
_WORD_RE = re.compile(r"[^\W_]")
_SNIFF_BYTES = 4096
# When trafilatura's text is below this share of the declared articleBody, trust the declaration:
# the publisher's own body is then clearly more complete than what the layout analysis kept.
_ARTICLE_BODY_SHARE = 0.5
# Precision-mode text shorter than this is retried in default mode, which wins when it finds at
# least this many times more text (on the reference set any threshold from 300 to 1500 characters
# gives the same result).
_SHORT_TEXT_CHARS = 500
_WIDER_TEXT_FACTOR = 2.0
# Bounds on what one page may put into the store and into alerts: far beyond any real story
# (a long feature is ~60k characters), far below what a hostile page can send.
MAX_TITLE_CHARS = 1000
MAX_SUMMARY_CHARS = 5000
MAX_TEXT_CHARS = 200_000
MAX_AUTHORS = 20
MAX_AUTHOR_CHARS = 200
# Elements a page may have to be analysed at all (the 181 real pages of the reference set have at
# most 1,596; a heavy modern page a few thousand): bounds one page's extraction to ~1.6 CPU-s.
MAX_ELEMENTS = 20_000
# Characters of an HTML fragment (a feed entry's content, JSON-LD ``articleBody``) read as text:
# twice the text bound, so markup fits around a full text; a longer one is cut here, which bounds
# it to under a CPU-second even when it is nothing but tags.
MAX_FRAGMENT_CHARS = 2 * MAX_TEXT_CHARS


@dataclass(frozen=True, slots=True)
class ArticleFields:
    """What one page says about its story; ``text`` is empty when no article body was found."""

    url: str
    title: str | None
    text: str
    published: datetime | None  # always timezone-aware (naive declarations are read as UTC)
    authors: tuple[str, ...]
    canonical_url: str | None
    language: str | None
    summary: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: dates as ISO 8601 strings, authors as a list."""
        return {
            "url": self.url,
            "title": self.title,
            "text": self.text,
            "published": self.published.isoformat() if self.published else None,
            "authors": list(self.authors),
            "canonical_url": self.canonical_url,
            "language": self.language,
            "summary": self.summary,
        }


def decode_html(data: bytes, header_charset: str | None = None) -> str:
    """Bytes to text: BOM first; then UTF-8 if the bytes are valid UTF-8; else the ``<meta>``
    charset, then the HTTP header's (``header_charset``); else UTF-8 with replacements.

    Servers and pages mislabel charsets both ways; legacy-encoded text with any non-ASCII byte is
    almost never valid UTF-8, so bytes that decode cleanly as UTF-8 are UTF-8 whatever the labels
    say, and a label is only believed for bytes that are not. Undecodable bytes become U+FFFD
    instead of raising, so junk still yields a (useless) string.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET_RE.search(data[:_SNIFF_BYTES])
    meta = match.group(1).decode("ascii", errors="replace") if match else None
    for label in (meta, header_charset):
        if not label:
            continue
        try:
            declared = codecs.lookup(label).name
        except LookupError:
            continue
        # A page that says UTF-16 in ASCII-compatible bytes is lying about it; UTF-8 just failed.
        if not declared.startswith(("utf-8", "utf-16", "utf-32")):
            return data.decode(declared, errors="replace")
    return data.decode("utf-8", errors="replace")


def extract_article(
    html: str | bytes, url: str, *, header_charset: str | None = None
) -> ArticleFields:
    """Extract the story's text and metadata from one page; never raises on bad input.

    Give the response's bytes when there are any, with the charset its ``Content-Type`` named:
    :func:`decode_html` weighs that label against the bytes and the page's ``<meta>``.
    """
    try:
        if isinstance(html, bytes):
            html = decode_html(html, header_charset)
        return bounded(_extract(html, url))
    except Exception:  # a parser edge case must cost one page (empty text), never the crawl
        logger.debug("extraction failed for %s", url, exc_info=True)
        return _empty(url)


def _extract(html: str, url: str) -> ArticleFields:
    # NUL characters make lxml give up on the whole document.
    tree = _parse(html.replace("\x00", ""))
    if tree is None:
        return _empty(url)
    elements = int(tree.xpath("count(//*)"))  # counted in C: no Python object per element
    if elements > MAX_ELEMENTS:
        logger.warning(
            "not extracting %s: %d elements, more than the %d a page may have",
            url,
            elements,
            MAX_ELEMENTS,
        )
        return _empty(url)
    meta = read_meta(tree)
    ld = article_ld(tree)
    body = _body_text(tree, url)
    declared = html_to_text(ld_str(ld.get("articleBody")))
    if declared and len(body) < _ARTICLE_BODY_SHARE * len(declared):
        body = declared
    if not _WORD_RE.search(body):  # only punctuation or U+FFFD from undecodable bytes
        body = ""
    return ArticleFields(
        url=url,
        title=first(
            ld_str(ld.get("headline")),
            *(meta.get(k) for k in TITLE_KEYS),
            title_tag(tree),
            ld_str(ld.get("name")),
        ),
        text=body,
        published=published_at(ld, meta),
        authors=author_names(ld, meta),
        canonical_url=canonical_url(tree, meta, ld, url),
        language=page_language(tree, meta, ld),
        summary=first(*(meta.get(k) for k in SUMMARY_KEYS), ld_str(ld.get("description"))),
    )


def extract_article_from_bytes(data: bytes, url: str) -> ArticleFields:
    """:func:`extract_article` for raw response bytes (charset from BOM or ``<meta>``)."""
    return extract_article(data, url)


def fields_with_fallback(
    fields: ArticleFields,
    *,
    title: str | None = None,
    published: datetime | None = None,
    summary: str | None = None,
    text: str | None = None,
    authors: Iterable[str] = (),
) -> ArticleFields:
    """Fill the fields the page left empty from the feed or sitemap entry's own values.

    The page wins wherever it said something; the entry's text (full feed content, possibly HTML)
    is used only when the page yielded no text at all.
    """
    hint_text = html_to_text(text) if text else ""
    hint_authors = tuple(a for a in (clean(x) for x in authors) if a)
    return bounded(
        replace(
            fields,
            title=fields.title or clean(title),
            published=fields.published or (aware(published) if published else None),
            summary=fields.summary or clean(summary),
            text=fields.text or hint_text,
            authors=fields.authors or dedupe(hint_authors),
        )
    )


def bounded(fields: ArticleFields) -> ArticleFields:
    """``fields`` with title, summary, text and authors cut to their bounds."""
    return replace(
        fields,
        title=fields.title[:MAX_TITLE_CHARS] if fields.title else fields.title,
        summary=fields.summary[:MAX_SUMMARY_CHARS] if fields.summary else fields.summary,
        text=fields.text[:MAX_TEXT_CHARS],
        authors=tuple(a[:MAX_AUTHOR_CHARS] for a in fields.authors[:MAX_AUTHORS]),
    )


# -- parsing -------------------------------------------------------------------------------------


def _empty(url: str) -> ArticleFields:
    return ArticleFields(
        url=url,
        title=None,
        text="",
        published=None,
        authors=(),
        canonical_url=None,
        language=None,
        summary=None,
    )


# Which threads already own a libxml2 name dictionary (see _own_name_dict).
_THREAD_STATE = threading.local()


def _own_name_dict() -> None:
    """Give the calling thread a libxml2 name dictionary of its own, once, before any shared parser.

    lxml hands a thread that has no dictionary yet the one of the first parser it uses, and
    trafilatura parses with a single module-level parser (``trafilatura.utils.HTML_PARSER``), so
    every extraction thread would adopt the first thread's dictionary. One thread's parse (the GIL
    released) then inserts names into it while the other renames or adds elements: two writers on
    one hash table, and glibc aborts the process ("corrupted size vs. prev_size", "double free or
    corruption"). A throwaway parser's first parse gives this thread a dictionary of its own; the
    shared parser then switches to the dictionary of whichever thread holds its lock.
    """
    if not getattr(_THREAD_STATE, "owns_dict", False):
        lxml_html.document_fromstring("<html></html>", parser=lxml_html.HTMLParser())
        _THREAD_STATE.owns_dict = True


def _parse(text_html: str) -> lxml_html.HtmlElement | None:
    if not text_html.strip():
        return None
    _own_name_dict()
    try:
        tree = load_html(text_html)
    except (ParserError, ValueError, TypeError):
        return None
    return tree if isinstance(tree, lxml_html.HtmlElement) else None


def _body_text(tree: lxml_html.HtmlElement, url: str) -> str:
    # trafilatura copies a tree it is handed, so ours stays intact for the metadata reads.
    text = _trafilatura_text(tree, url, favor_precision=True)
    if 0 < len(text) < _SHORT_TEXT_CHARS:
        # Precision mode kept only a scrap (a reprint notice, a teaser): the story is likely in a
        # block it judged too risky. Default mode costs a second pass, paid on such pages only.
        wider = _trafilatura_text(tree, url, favor_precision=False)
        if len(wider) >= _WIDER_TEXT_FACTOR * len(text):
            return wider
    return text


def _trafilatura_text(tree: lxml_html.HtmlElement, url: str, *, favor_precision: bool) -> str:
    text = trafilatura.extract(
        tree,
        url=url,
        favor_precision=favor_precision,
        include_comments=False,
        with_metadata=False,
    )
    return text.strip() if text else ""


_BLOCK_TAGS = frozenset(
    ("p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr")
)
_SKIPPED_TAGS = frozenset(("script", "style", "noscript"))


def html_to_text(value: str | None) -> str:
    """Plain text from an HTML fragment (a feed's content or teaser, JSON-LD's articleBody).

    Fragments from feeds are small and often broken (unclosed tags, stray entities), which
    BeautifulSoup repairs leniently; scripts and styles are dropped, and each block element
    becomes its own line. Only the first :data:`MAX_FRAGMENT_CHARS` characters are read.
    """
    if not value or not value.strip():
        return ""
    value = value[:MAX_FRAGMENT_CHARS]
    if "<" in value and ">" in value:
        value = _fragment_text(BeautifulSoup(value, "lxml"))
    else:
        value = html.unescape(value)
    lines = (clean(line) or "" for line in value.splitlines())
    return _BLANK_LINES_RE.sub("\n", "\n".join(line for line in lines if line)).strip()


def _fragment_text(soup: BeautifulSoup) -> str:
    """The soup's text, each block element on its own line, scripts and styles left out.

    One walk with an explicit stack, linear in the fragment: inserting newline strings into the
    tree, as this once did, costs a list search per insertion (8 CPU-s for 10,000 paragraphs of a
    hostile feed entry or JSON-LD ``articleBody``), and a recursive walk would meet deep nesting.
    """
    parts: list[str] = []
    stack: list[PageElement | str] = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            parts.append(node)  # a block's closing newline
        elif isinstance(node, Tag):
            if node.name in _SKIPPED_TAGS:
                continue
            block = node.name in _BLOCK_TAGS
            if block:
                parts.append("\n")
                stack.append("\n")
            stack.extend(reversed(node.contents))
        elif type(node) in (NavigableString, CData):
            parts.append(str(node))
    return "".join(parts)
