"""Articles that passed dedupe and are on their way to the store, across concurrent crawls.

Items move through pipelines concurrently, and the service crawls several batches at once, so two
copies of a story can pass the store's checks before either is saved. One
:class:`InFlightArticles` per process (inside :class:`crawler.services.CrawlServices`) remembers
them: a later copy finds its original here and waits for the store's answer, so the duplicate
link points at the real row. Pure asyncio, no Scrapy.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from crawler.fingerprint import hamming


@dataclass(slots=True)
class InFlight:
    """An article that passed dedupe and is on its way to the store."""

    url: str
    fingerprint: int
    stored: asyncio.Future[int | None] = field(repr=False)


class InFlightArticles:
    """Articles that passed dedupe and are on their way to the store, across concurrent crawls."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.by_url: dict[str, InFlight] = {}

    def find(self, url: str, fingerprint: int, bits: int) -> InFlight | None:
        """The in-flight article with this canonical URL or a body within ``bits`` bits."""
        entry = self.by_url.get(url)
        if entry is not None:
            return entry
        if fingerprint:
            for entry in self.by_url.values():
                if hamming(entry.fingerprint, fingerprint) <= bits:
                    return entry
        return None

    def add(self, url: str, fingerprint: int) -> InFlight:
        entry = InFlight(url, fingerprint, asyncio.get_running_loop().create_future())
        self.by_url[url] = entry
        return entry

    def done(self, url: str, article_id: int | None) -> None:
        """The article is stored (or failed): resolve its waiters and forget it."""
        entry = self.by_url.pop(url, None)
        if entry is not None and not entry.stored.done():
            entry.stored.set_result(article_id)
