"""The feed, sitemap and listing spiders against the fixture news site, one real crawl each.

Crawls run in a child process (see ``tests/crawler/crawl_helpers.py`` for why) with the project's
settings and middlewares; the pipelines are replaced by one that collects PageItems, and the
store, when a test needs one, is a small JSON-file ArticleStore.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.setting_names import (
    STAT_ENTRIES,
    STAT_ERRORS,
    STAT_NOT_MODIFIED,
    STAT_SKIPPED_SEEN,
)
from crawler.spiders.base import STAT_CAPPED, STAT_SKIPPED_OLD
from crawler.spiders.feed import NotAFeedError, parse_feed_document, parse_json_feed
from crawler.spiders.sitemap import NotASitemapError, parse_sitemap_document
from crawler.urls import canonicalize_url
from tests.crawler.crawl_helpers import REPO, JsonFileStore, run_crawl
from tests.servers.site import FixtureSite, site  # noqa: F401  (the fixture)


def _article_paths(site: FixtureSite) -> list[str]:  # noqa: F811
    return sorted(p for p in site.paths() if p.startswith(("/news/", "/syndicated/")))


def _canon(site: FixtureSite, *paths: str) -> set[str]:  # noqa: F811
    return {canonicalize_url(site.url(p)) for p in paths}


@pytest.mark.e2e
def test_rss_feed_downloads_each_recent_story_once(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(
        tmp_path, "feed", {"name": "latest", "feed": site.url("feeds/latest.rss.xml")}
    )
    assert result.returncode == 0, result.log
    assert set(result.urls) == _canon(
        site,
        "news/meta-hires-scale-ai-ceo.html",
        "news/openai-researchers-offers.html",
        "news/city-council-budget.html",
    )
    # The utm_ copy of the Meta story is the same story: one download. The 400h-old one is skipped.
    assert _article_paths(site) == [
        "/news/city-council-budget.html",
        "/news/meta-hires-scale-ai-ceo.html",
        "/news/openai-researchers-offers.html",
    ]
    assert result.stat(STAT_ENTRIES) == 5
    assert result.stat(STAT_SKIPPED_OLD) == 1
    assert result.stat(STAT_ERRORS) == 0
    item = next(i for i in result.items if "meta-hires" in i["url"])
    assert item["source"] == "latest"
    assert item["final_url"] == site.url("news/meta-hires-scale-ai-ceo.html")
    assert "Alexandr Wang" in item["html"] and site.base in item["html"]
    assert item["hints"]["title"].startswith("Meta hires Scale AI")
    assert item["hints"]["published"] is not None and item["fetched_at"] is not None


@pytest.mark.e2e
def test_atom_feed_resolves_relative_links(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(tmp_path, "feed", {"name": "deals", "feed": site.url("feeds/tech.atom.xml")})
    assert set(result.urls) == _canon(
        site,
        "news/perplexity-acquisition-talks.html",
        "news/weekend-weather.html",
        "syndicated/meta-scale-wang.html",
    )
    hints = {i["url"].rsplit("/", 1)[-1]: i["hints"] for i in result.items}
    assert hints["perplexity-acquisition-talks.html"]["authors"] == ["Tom Becker"]
    assert hints["perplexity-acquisition-talks.html"]["keywords"] == ["Deals", "Meta"]
    assert "Alexandr Wang" in hints["meta-scale-wang.html"]["text"]


@pytest.mark.e2e
def test_json_feed(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(tmp_path, "feed", {"name": "json", "feed": site.url("feeds/ai.json")})
    assert set(result.urls) == _canon(
        site,
        "news/google-windsurf-deal.html",
        "news/smartphone-review.html",
        "news/boilerplate-only.html",
    )
    assert result.stat(STAT_SKIPPED_OLD) == 1
    windsurf = next(i for i in result.items if "windsurf" in i["url"])
    assert "Varun Mohan" in windsurf["hints"]["text"]
    assert windsurf["hints"]["keywords"] == ["AI", "Google", "Windsurf"]
    assert windsurf["hints"]["authors"] == ["Elena Sousa"]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("feed", "story"),
    [("feeds/rss091.xml", "chip-export-rules"), ("feeds/rdf.xml", "apple-ai-startup-talks")],
)
def test_rss_091_and_10(site: FixtureSite, tmp_path: Path, feed: str, story: str) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(tmp_path, "feed", {"name": "old-formats", "feed": site.url(feed)})
    assert result.urls == [canonicalize_url(site.url(f"news/{story}.html"))]


@pytest.mark.e2e
def test_news_sitemap_reads_news_fields(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(
        tmp_path, "sitemap", {"name": "sm", "sitemap": site.url("sitemaps/news.xml")}
    )
    assert set(result.urls) == _canon(
        site,
        "news/apple-ai-startup-talks.html",
        "news/chip-export-rules.html",
        "news/perplexity-acquisition-talks.html",
    )
    assert result.stat(STAT_SKIPPED_OLD) == 1
    apple = next(i for i in result.items if "apple" in i["url"])
    assert apple["hints"]["title"] == "Apple held internal talks about buying Mistral AI"
    assert apple["hints"]["keywords"] == ["Apple", "Mistral AI", "acquisitions"]
    assert apple["hints"]["published"] is not None


@pytest.mark.e2e
def test_sitemap_index_follows_recent_children(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(
        tmp_path, "sitemap", {"name": "idx", "sitemap": site.url("sitemaps/index.xml")}
    )
    assert set(result.urls) == _canon(
        site,
        "news/apple-ai-startup-talks.html",
        "news/chip-export-rules.html",
        "news/perplexity-acquisition-talks.html",
        "news/smartphone-review.html",
        "news/city-council-budget.html",
    )
    paths = site.paths()
    assert "/sitemaps/news.xml" in paths and "/sitemaps/plain.xml" in paths
    assert "/sitemaps/archive-2025.xml" not in paths  # its lastmod is older than max_age
    assert result.stat(STAT_ERRORS) == 0


@pytest.mark.e2e
def test_sitemap_index_loops_are_followed_once(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(
        tmp_path, "sitemap", {"name": "loop", "sitemap": site.url("sitemaps/loop.xml")}
    )
    assert result.returncode == 0, result.log
    assert site.paths().count("/sitemaps/loop.xml") == 1
    assert site.paths().count("/sitemaps/loop-child.xml") == 1
    assert set(result.urls) == _canon(
        site, "news/smartphone-review.html", "news/city-council-budget.html"
    )


@pytest.mark.e2e
def test_listing_page_follows_selected_links(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(
        tmp_path,
        "listing",
        {"name": "front", "listing": site.url("listing.html"), "links": "ul.latest li a"},
    )
    assert set(result.urls) == _canon(
        site,
        "news/meta-hires-scale-ai-ceo.html",
        "news/openai-researchers-offers.html",
        "news/google-windsurf-deal.html",
        "news/weekend-weather.html",
    )
    assert "/news/smartphone-review.html" not in site.paths()
    titles = {i["hints"]["title"] for i in result.items}
    assert "Storms expected across the region this weekend" in titles


@pytest.mark.e2e
def test_second_crawl_is_a_304_with_no_article_downloads(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    store = tmp_path / "store.json"
    source = {"name": "latest", "feed": site.url("feeds/latest.rss.xml")}
    first = run_crawl(tmp_path, "feed", source, store=store, label="first")
    assert len(first.items) == 3
    assert first.store is not None
    etag, last_modified = first.store.get_http_validators(site.url("feeds/latest.rss.xml"))
    assert etag and last_modified

    site.reset()
    second = run_crawl(tmp_path, "feed", source, store=store, label="second")
    assert second.returncode == 0, second.log
    assert second.items == []
    assert second.stat(STAT_NOT_MODIFIED) == 1
    feed_requests = [r for r in site.requests if r.route == "/feeds/latest.rss.xml"]
    assert [r.status for r in feed_requests] == [304]
    assert feed_requests[0].headers["if-none-match"] == etag
    assert feed_requests[0].headers["if-modified-since"] == last_modified
    assert _article_paths(site) == []


@pytest.mark.e2e
def test_recrawled_sitemap_index_revalidates_its_children(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    store = tmp_path / "store.json"
    source = {"name": "idx", "sitemap": site.url("sitemaps/index.xml")}
    first = run_crawl(tmp_path, "sitemap", source, store=store, label="first")
    assert len(first.items) == 5
    site.reset()
    second = run_crawl(tmp_path, "sitemap", source, store=store, label="second")
    assert second.items == []
    status = {r.route: r.status for r in site.requests}
    # The index is read again (its children may have changed); the children answer 304.
    assert status["/sitemaps/index.xml"] == 200
    assert status["/sitemaps/news.xml"] == 304 and status["/sitemaps/plain.xml"] == 304
    assert second.stat(STAT_NOT_MODIFIED) == 2
    assert _article_paths(site) == []


@pytest.mark.e2e
def test_seen_urls_are_skipped_before_the_request(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    store_path = tmp_path / "store.json"
    store = JsonFileStore(store_path)
    for path in ("news/meta-hires-scale-ai-ceo.html", "news/city-council-budget.html"):
        store.mark_seen(canonicalize_url(site.url(path)), source="latest", status="stored")
    result = run_crawl(
        tmp_path,
        "feed",
        {"name": "latest", "feed": site.url("feeds/latest.rss.xml")},
        store=store_path,
    )
    assert result.urls == [canonicalize_url(site.url("news/openai-researchers-offers.html"))]
    assert _article_paths(site) == ["/news/openai-researchers-offers.html"]
    assert result.stat(STAT_SKIPPED_SEEN) == 2
    assert result.store is not None
    assert [c for c in result.store.calls if c.startswith("seen_urls")] == ["seen_urls:3"]


@pytest.mark.e2e
def test_recrawled_listing_downloads_no_article_twice(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    store = tmp_path / "store.json"
    source = {"name": "front", "listing": site.url("listing.html"), "links": "ul.latest li a"}
    first = run_crawl(tmp_path, "listing", source, store=store, label="first")
    assert len(first.items) == 4
    site.reset()
    second = run_crawl(tmp_path, "listing", source, store=store, label="second")
    assert second.items == []
    assert second.stat(STAT_SKIPPED_SEEN) == 4
    assert site.paths() == ["/robots.txt", "/listing.html"]
    # Listing pages are not conditional: no validators are sent or kept.
    assert "if-none-match" not in site.requests[-1].headers


@pytest.mark.e2e
def test_max_articles_per_run_caps_downloads(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(
        tmp_path,
        "feed",
        {"name": "latest", "feed": site.url("feeds/latest.rss.xml")},
        settings={"NEWSWATCH_MAX_ARTICLES_PER_RUN": 1},
    )
    assert len(result.items) == 1
    assert len(_article_paths(site)) == 1
    assert result.stat(STAT_CAPPED) == 2


@pytest.mark.e2e
def test_source_headers_and_max_age_are_applied(site: FixtureSite, tmp_path: Path) -> None:  # noqa: F811
    site.reset()
    result = run_crawl(
        tmp_path,
        "feed",
        {
            "name": "latest",
            "feed": site.url("feeds/latest.rss.xml"),
            "headers": {"X-Newswatch-Test": "yes"},
            "max_age": "4h",
        },
    )
    # Within 4 hours: the Meta story (2h) and the council story (3h), not OpenAI (5h).
    assert set(result.urls) == _canon(
        site, "news/meta-hires-scale-ai-ceo.html", "news/city-council-budget.html"
    )
    fetched = [r for r in site.requests if r.route != "/robots.txt"]
    assert fetched and all(r.headers.get("x-newswatch-test") == "yes" for r in fetched)


@pytest.mark.e2e
def test_scrapy_crawl_command_builds_a_source_from_arguments(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    out = tmp_path / "items.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "feed",
            "-a",
            f"url={site.url('feeds/ai.json')}",
            "-a",
            "name=cli-json",
            "-s",
            "ITEM_PIPELINES={}",
            "-s",
            "NEWSWATCH_ALLOW_PRIVATE=True",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-o",
            f"{out}:jsonlines",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["source"] for r in rows} == {"cli-json"}
    assert len(rows) == 3


# --- the document parsers alone ------------------------------------------------------------------


def test_json_feed_parser_rejects_other_json() -> None:
    with pytest.raises(NotAFeedError):
        parse_json_feed(b'{"hello": "world"}')
    with pytest.raises(NotAFeedError):
        parse_json_feed(b"{not json")


def test_feed_parser_rejects_html() -> None:
    with pytest.raises(NotAFeedError):
        parse_feed_document(b"<!doctype html><html><body><p>hi</p></body></html>", "http://x/")


def test_feed_parser_never_fetches_a_url_given_as_body(site: FixtureSite) -> None:  # noqa: F811
    # feedparser fetches when handed a URL string; we only ever hand it the body's bytes.
    site.reset()
    url = site.url("feeds/latest.rss.xml")
    with pytest.raises(NotAFeedError):
        parse_feed_document(url.encode(), url)
    assert site.requests == []


def test_sitemap_parser_rejects_other_xml() -> None:
    with pytest.raises(NotASitemapError):
        parse_sitemap_document(b"<?xml version='1.0'?><rss><channel/></rss>")


def test_sitemap_parser_reads_gzip_and_unnamespaced_documents() -> None:
    import gzip

    body = gzip.compress(
        b"<urlset><url><loc>https://example.com/a</loc><lastmod>2026-01-02</lastmod></url></urlset>"
    )
    entries, children = parse_sitemap_document(body)
    assert children == []
    assert entries[0][0] == "https://example.com/a"
    published = entries[0][1].published
    assert published is not None and published.year == 2026 and published.tzinfo is not None
