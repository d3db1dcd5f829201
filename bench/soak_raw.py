"""The soak benchmark's anchor: raw Scrapy polling the same feeds, with nothing of newswatch.

One plain Scrapy process (stock settings, the stock robots.txt middleware, ``LOG_LEVEL=INFO``),
one spider that keeps each feed's ETag in a dict and parses a 200 with feedparser. It first polls
every feed once (to learn the ETags), then makes ``polls`` conditional GETs spread evenly over
``seconds`` -- the same number of polls, over the same time, as the service made in the window it
is compared with -- and prints one JSON line with its CPU time over that measured part::

    python bench/soak_raw.py SPEC.json   # {"feeds": [...], "polls": N, "seconds": S}
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import feedparser
import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DontCloseSpider


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class RawFeedSpider(scrapy.Spider):
    name = "raw-feeds"

    def __init__(self, feeds: list[str], polls: int, seconds: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feeds = feeds
        self.polls = polls
        self.seconds = seconds
        self.etags: dict[str, str] = {}
        self.responses = 0
        self.not_modified = 0
        self.done = False
        self.result: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> RawFeedSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider  # type: ignore[return-value]

    def idle(self) -> None:
        if not self.done:
            raise DontCloseSpider

    def request(self, url: str) -> scrapy.Request:
        headers = {"If-None-Match": self.etags[url]} if url in self.etags else {}
        return scrapy.Request(url, headers=headers, callback=self.parse, dont_filter=True)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.feeds:
            yield self.request(url)
        while self.responses < len(self.feeds):
            await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        before, started = cpu_seconds(), loop.time()
        warm = self.responses
        for k in range(self.polls):
            await asyncio.sleep(max(0.0, started + self.seconds * k / self.polls - loop.time()))
            yield self.request(self.feeds[k % len(self.feeds)])
        while self.responses < warm + self.polls:
            await asyncio.sleep(0.05)
        self.result = {
            "polls": self.polls,
            "not_modified": self.not_modified,
            "cpu_seconds": round(cpu_seconds() - before, 3),
            "wall_seconds": round(loop.time() - started, 1),
        }
        self.done = True

    def parse(self, response: scrapy.http.Response) -> None:
        self.responses += 1
        if response.status == 304:
            self.not_modified += 1
            return
        etag = response.headers.get(b"ETag")
        if etag:
            self.etags[response.url] = etag.decode("latin-1")
        feedparser.parse(response.body)


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    process = CrawlerProcess(
        {
            "ROBOTSTXT_OBEY": True,
            "HTTPERROR_ALLOWED_CODES": [304],
            "LOG_LEVEL": "INFO",
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    crawler = process.create_crawler(RawFeedSpider)
    process.crawl(crawler, feeds=spec["feeds"], polls=spec["polls"], seconds=spec["seconds"])
    process.start()
    spider = crawler.spider
    assert isinstance(spider, RawFeedSpider)
    print(json.dumps(spider.result), flush=True)


if __name__ == "__main__":
    main()
