"""The downloader middlewares in real crawls of the fixture site: robots.txt (and the Scrapy 2.19
race it fixes), refusal of non-public addresses, Retry-After, and failures counted not crashed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from crawler.retry_after import parse_retry_after
from crawler.setting_names import (
    STAT_ERRORS,
    STAT_REFUSED_PRIVATE,
    STAT_ROBOTS_FORBIDDEN,
    STAT_SOURCE_ERROR,
)
from crawler.urls import canonicalize_url
from tests.crawler.crawl_helpers import run_crawl
from tests.servers.site import FixtureSite, site  # noqa: F401  (the fixture)

# The project's downloader middlewares with Scrapy's own robots.txt middleware put back.
STOCK_ROBOTS = {
    "crawler.middlewares.private.PrivateAddressMiddleware": 50,
    "crawler.middlewares.robots.RobotsTxtMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.RetryAfterMiddleware": 550,
}


def _race_crawl(site: FixtureSite, tmp_path: Path, settings: dict[str, object] | None = None):  # noqa: F811
    """One allowed and four disallowed links to the other host, queued while its robots.txt is
    slow to answer."""
    site.reset()
    site.robots_delay = 1.0
    return run_crawl(
        tmp_path,
        "listing",
        {"name": "race", "listing": site.url("robots-race.html"), "links": "a.story"},
        settings=settings,
    )


@pytest.mark.e2e
def test_robots_disallowed_urls_are_never_fetched_even_in_a_burst(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = _race_crawl(site, tmp_path)
    assert result.returncode == 0, result.log
    other = site.paths("other")
    assert [p for p in other if p.startswith("/private/")] == []
    assert other.count("/robots.txt") == 1
    assert "/news/allowed.html" in other
    assert result.urls == [canonicalize_url(site.url2("news/allowed.html"))]
    assert result.stat(STAT_ROBOTS_FORBIDDEN) == 4
    assert result.stat(STAT_ERRORS) == 0


@pytest.mark.e2e
def test_stock_scrapy_robots_middleware_lets_queued_requests_through(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Demonstrates the upstream Scrapy 2.19 bug our middleware fixes (DESIGN.md, known traps).

    If this starts failing after a Scrapy upgrade, upstream has fixed the race and
    crawler.middlewares.robots may be retired in favour of the stock middleware.
    """
    result = _race_crawl(site, tmp_path, {"DOWNLOADER_MIDDLEWARES": STOCK_ROBOTS})
    assert result.returncode == 0, result.log
    leaked = [p for p in site.paths("other") if p.startswith("/private/")]
    assert len(leaked) >= 1, "stock RobotsTxtMiddleware no longer leaks: see the docstring"


@pytest.mark.e2e
def test_private_source_is_refused_without_allow_private(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    result = run_crawl(
        tmp_path,
        "feed",
        {"name": "local", "feed": site.url("feeds/latest.rss.xml")},
        settings={"NEWSWATCH_ALLOW_PRIVATE": False},
    )
    assert result.returncode == 0, result.log
    assert site.requests == []  # not even robots.txt: nothing reached 127.0.0.1
    assert result.stat(STAT_REFUSED_PRIVATE) >= 1
    assert result.stat(STAT_ERRORS) == 1  # the source produced nothing: one counted error
    assert "loopback" in result.stats[STAT_SOURCE_ERROR]
    assert "set allow_private = true under [crawl]" in result.stats[STAT_SOURCE_ERROR]
    assert result.items == []


@pytest.mark.e2e
def test_metadata_links_are_refused_even_with_allow_private(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    result = run_crawl(
        tmp_path, "feed", {"name": "links", "feed": site.url("feeds/private-links.rss.xml")}
    )
    assert result.urls == [canonicalize_url(site.url("news/city-council-budget.html"))]
    assert result.stat(STAT_REFUSED_PRIVATE) == 2
    assert result.stat(STAT_ERRORS) == 0
    assert "169.254.169.254" in result.log


@pytest.mark.e2e
def test_retry_after_is_honoured(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(tmp_path, "feed", {"name": "flaky", "feed": site.url("feeds/retry.rss.xml")})
    path = "/news/google-windsurf-deal.html?fail=1&retry_after=1"
    assert [r.status for r in site.requests if r.path == path] == [503, 200]
    assert len(result.items) == 1
    assert result.stat("retry/count") == 1
    assert result.stat(STAT_ERRORS) == 0


@pytest.mark.e2e
def test_too_long_retry_after_gives_up_with_one_error(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    result = run_crawl(
        tmp_path,
        "feed",
        {"name": "flaky", "feed": site.url("feeds/retry-too-long.rss.xml")},
        settings={"NEWSWATCH_MAX_RETRY_AFTER": 5},
    )
    assert [r.status for r in site.requests if r.route == "/news/weekend-weather.html"] == [503]
    assert result.items == []
    assert result.stat(STAT_ERRORS) == 1
    assert result.log.count("exceeds the 5s limit") == 1


@pytest.mark.e2e
def test_failing_article_pages_are_counted_and_the_crawl_completes(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    result = run_crawl(
        tmp_path,
        "feed",
        {"name": "broken", "feed": site.url("feeds/errors.rss.xml")},
        settings={"DOWNLOAD_TIMEOUT": 1, "DOWNLOAD_MAXSIZE": 64 * 1024, "RETRY_TIMES": 0},
    )
    assert result.returncode == 0, result.log
    assert result.stats.get("finish_reason") == "finished"
    # 404, 500, slow (timeout), drop (no answer), huge (over the size limit).
    assert result.stat(STAT_ERRORS) == 5
    assert result.urls == [canonicalize_url(site.url("news/weekend-weather.html"))]
    # One clear line per failure, naming the URL (retry give-ups are not logged twice).
    assert result.stat("log_count/ERROR") == 5
    for route in ("/status/404", "/status/500", "/slow", "/drop", "/huge"):
        assert any(route in line and " failed: " in line for line in result.log.splitlines())


@pytest.mark.e2e
def test_server_errors_are_retried_with_backoff_then_counted(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    result = run_crawl(
        tmp_path,
        "feed",
        {"name": "down", "feed": site.url("status/500")},
        settings={"RETRY_TIMES": 1},
    )
    assert site.paths().count("/status/500") == 2
    assert result.stat("retry/count") == 1
    assert result.stat(STAT_ERRORS) == 1


@pytest.mark.e2e
@pytest.mark.parametrize("path", ["status/404", "not-xml", "drop", "feeds/ai.json?x=1"])
def test_a_broken_source_is_one_counted_error(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
    path: str,
) -> None:
    site.reset()
    kind, source = "feed", {"name": "broken", "feed": site.url(path)}
    if path.startswith("feeds/ai.json"):
        # A JSON feed given as a sitemap is not a sitemap.
        kind, source = "sitemap", {"name": "broken", "sitemap": site.url(path)}
    result = run_crawl(tmp_path, kind, source, settings={"RETRY_TIMES": 0})
    assert result.returncode == 0, result.log
    assert result.stats.get("finish_reason") == "finished"
    assert result.stat(STAT_ERRORS) == 1
    assert result.items == []
    reason = result.stats[STAT_SOURCE_ERROR]
    assert reason.startswith(site.url(path))
    assert {"status/404": "HTTP 404", "not-xml": "not RSS or Atom", "drop": "closed"}.get(
        path, "not <urlset>"
    ) in reason


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(b" 3 ") == 3.0
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now) == 90.0
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None
