"""Extract pipeline: a downloaded page becomes an :class:`~crawler.items.ArticleDraft`.

Extraction (trafilatura plus metadata) and the SimHash cost milliseconds of CPU per page, so they
run off the event loop, in the executor of the crawl's :class:`~crawler.services.CrawlServices`
(the runtime's extraction threads); without one, in the loop's default executor. The extractor
bounds what one page can cost (:data:`~crawler.extractor.MAX_ELEMENTS`). A page
that yields no text, even with the feed entry's own fields, is dropped with the reason ``no_text``
and remembered so the next crawl does not download it again.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.article_store import ArticleStore
from crawler.extractor import ArticleFields, extract_article, fields_with_fallback, html_to_text
from crawler.fingerprint import content_hash, simhash
from crawler.items import ArticleDraft, EntryHints, PageItem
from crawler.memory import release_free_memory
from crawler.pipelines.drops import drop
from crawler.services import find_services
from crawler.setting_names import NEWSWATCH_DRY_RUN

# A story has at least a few sentences of prose. Menus, paywall notices and newsletter boxes come
# out of a page without an article as many short lines; lines of fewer than PROSE_LINE_WORDS words
# do not count, and fewer than MIN_PROSE_WORDS words of prose in all is not a story.
PROSE_LINE_WORDS = 6
# A word, or one character of a script written without spaces (Chinese, Japanese, Korean).
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]|\w+")
MIN_PROSE_WORDS = 30


def has_article_text(text: str) -> bool:
    """Whether ``text`` holds enough prose to be a story rather than a page's boilerplate."""
    words = 0
    for line in text.splitlines():
        count = len(_WORD.findall(line))
        if count >= PROSE_LINE_WORDS:
            words += count
            if words >= MIN_PROSE_WORDS:
                return True
    return False


@dataclass(frozen=True, slots=True)
class Extracted:
    """What the worker sends back: the fields plus the fingerprints computed next to them."""

    fields: ArticleFields
    fingerprint: int
    content_hash: str


def extract_page(
    html: bytes | str, url: str, hints: EntryHints, header_charset: str | None = None
) -> Extracted:
    """Extract one page and fill gaps from the feed entry (runs on an extraction thread)."""
    # extract_article never raises: broken pages come back with empty text.
    fields = fields_with_fallback(
        extract_article(html, url, header_charset=header_charset),
        title=hints.title,
        published=hints.published,
        summary=hints.summary,
        text=hints.text,
        authors=hints.authors,
    )
    return Extracted(fields, simhash(fields.text), content_hash(fields.text))


class ExtractPipeline:
    """PageItem -> ArticleDraft, off the event loop."""

    def __init__(
        self,
        crawler: Crawler,
        executor: Executor | None,
        store: ArticleStore | None,
        dry_run: bool,
    ) -> None:
        self.crawler = crawler
        self.executor = executor
        self.store = store
        self.dry_run = dry_run
        self.pages = 0  # extracted in this crawl

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # Extraction needs no service; with them it uses their threads and remembers empty pages.
        services = find_services(crawler.settings)
        pipeline = cls(
            crawler,
            services.executor if services is not None else None,
            services.store if services is not None else None,
            crawler.settings.getbool(NEWSWATCH_DRY_RUN),
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def spider_closed(self) -> None:
        # Parsing freed tens of MB the C heap would keep (see crawler.memory); a 304 frees none.
        if self.pages:
            release_free_memory()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        loop = asyncio.get_running_loop()
        self.pages += 1
        result = await loop.run_in_executor(
            self.executor, extract_page, item.html, item.final_url, item.hints, item.charset
        )
        fields = result.fields
        if not has_article_text(fields.text):
            if self.store is not None and not self.dry_run:
                await asyncio.to_thread(
                    self.store.mark_seen, item.url, source=item.source, status="dropped:no_text"
                )
            raise drop(
                self.crawler, item.source, "no_text", f"no article text found on {item.final_url}"
            )
        return ArticleDraft(
            source=item.source,
            url=fields.canonical_url or item.url,
            discovered_url=item.url,
            fetched_url=item.final_url,
            title=fields.title or item.hints.title or "",
            text=fields.text,
            published=fields.published or item.hints.published,
            authors=fields.authors,
            language=fields.language,
            summary=fields.summary or html_to_text(item.hints.summary) or None,
            fingerprint=result.fingerprint,
            content_hash=result.content_hash,
            fetched_at=item.fetched_at or datetime.now().astimezone(),
        )
