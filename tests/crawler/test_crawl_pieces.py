"""The crawl's pure pieces, without a reactor: URL choice, text cleaning, the in-flight registry,
per-source summaries from stats, and how components find (or miss) their services."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.crawl_summary import CrawlSummary
from crawler.in_flight import InFlightArticles
from crawler.pipelines.dedupe import DedupePipeline
from crawler.pipelines.match import MatchPipeline
from crawler.pipelines.normalize import choose_url, clean_line, clean_text
from crawler.pipelines.store import StorePipeline
from crawler.services import CrawlServices, find_services
from crawler.setting_names import (
    NEWSWATCH_SERVICES,
    STAT_DROPPED_PREFIX,
    STAT_NEW_ARTICLES,
    STAT_SOURCE_ERROR,
)
from crawler.stats import source_key

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_page_canonical_wins_unless_it_is_not_an_article_url() -> None:
    found = "https://news.example/story?utm_source=x#top"
    assert choose_url("https://wire.example/original", found) == "https://wire.example/original"
    assert choose_url("https://news.example/", found) == "https://news.example/story"
    assert choose_url("ftp://news.example/story", found) == "https://news.example/story"
    assert choose_url("not a url", found) == "https://news.example/story"


def test_clean_text_keeps_paragraphs_and_collapses_spaces() -> None:
    raw = "Cafe\u0301  news\u00a0today\r\n\r\n\r\n  Second   line \n"
    assert clean_text(raw) == "Café news today\n\nSecond line"
    assert clean_line(" A\n title\t here ") == "A title here"


async def test_in_flight_finds_copies_and_resolves_waiters() -> None:
    registry = InFlightArticles()
    entry = registry.add("https://a.example/1", 0b1111)
    assert registry.find("https://a.example/1", 0, 3) is entry
    assert registry.find("https://b.example/2", 0b1110, 3) is entry  # one bit apart
    assert registry.find("https://b.example/2", 0, 3) is None  # no fingerprint, no guess
    registry.done("https://a.example/1", 42)
    assert await asyncio.wait_for(entry.stored, 1) == 42
    assert registry.find("https://a.example/1", 0b1111, 3) is None


def test_summary_reads_only_its_own_source_from_shared_stats() -> None:
    stats = {
        source_key(STAT_NEW_ARTICLES, "a"): 2,
        source_key(STAT_NEW_ARTICLES, "b"): 5,
        source_key(STAT_DROPPED_PREFIX + "too_old", "a"): 1,
        source_key(STAT_DROPPED_PREFIX + "no_text", "b"): 3,
        source_key(STAT_SOURCE_ERROR, "b"): "HTTP 500",
    }
    a = CrawlSummary.from_stats("a", stats, T0, T0)
    b = CrawlSummary.from_stats("b", stats, T0, T0)
    assert (a.new_articles, a.dropped, a.ok) == (2, {"too_old": 1}, True)
    assert (b.new_articles, b.dropped, b.error) == (5, {"no_text": 3}, "HTTP 500")


def test_services_are_shared_by_copies_of_the_settings() -> None:
    services = CrawlServices()
    settings = Settings({NEWSWATCH_SERVICES: services})
    assert find_services(settings.copy()) is services
    with pytest.raises(TypeError):
        find_services(Settings({NEWSWATCH_SERVICES: object()}))


@pytest.mark.parametrize("pipeline", [DedupePipeline, MatchPipeline, StorePipeline])
def test_storing_pipelines_switch_off_without_their_service(pipeline: type) -> None:
    with pytest.raises(NotConfigured):
        pipeline.from_crawler(get_crawler())
    with pytest.raises(NotConfigured):
        pipeline.from_crawler(get_crawler(settings_dict={NEWSWATCH_SERVICES: CrawlServices()}))
