"""Crawls against the hostile site (``tests/servers/hostile.py``): a source may be malicious.

Each crawl runs in a child process (see ``crawl_helpers``), so a bomb that got through would cost
that child, and its peak RSS (``test/maxrss_kb``) is what the memory bounds are checked against.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from crawler.setting_names import STAT_ERRORS, STAT_SOURCE_ERROR
from crawler.spiders.sitemap import (
    NotASitemapError,
    SitemapTooLargeError,
    gunzip_bounded,
    parse_sitemap_document,
)
from crawler.stats import source_key
from tests.crawler.crawl_helpers import run_crawl
from tests.servers.hostile import BILLION_LAUGHS, STORY_TEXT, HostileSite
from tests.servers.site import FixtureSite, site  # noqa: F401  (the fixture)

MB = 1024 * 1024
# Peak RSS a crawl child may reach during a bomb: Python + Scrapy + the crawl are about 100 MB.
MEMORY_BOUND_KB = 300 * 1024


@pytest.mark.e2e
def test_gzip_bomb_in_a_sitemap_is_an_error_within_the_size_limit(
    hostile: HostileSite, tmp_path: Path
) -> None:
    hostile.reset()
    result = run_crawl(
        tmp_path, "sitemap", {"name": "bomb", "sitemap": hostile.url("bomb.xml.gz?mb=1024")}
    )
    assert result.returncode == 0, result.log
    assert result.stat(source_key(STAT_ERRORS, "bomb")) == 1
    reason = result.stats[source_key(STAT_SOURCE_ERROR, "bomb")]
    assert "unpacks to more than 10485760 bytes" in reason
    # 1 GiB unpacked; the crawl never held more than the 10 MB download limit of it.
    assert result.stat("test/maxrss_kb") < MEMORY_BOUND_KB, result.stat("test/maxrss_kb")


def test_gunzip_bounded_stops_at_the_bound() -> None:
    bomb = gzip.compress(b" " * (64 * MB), compresslevel=1)
    with pytest.raises(SitemapTooLargeError):
        gunzip_bounded(bomb, 1 * MB)
    assert gunzip_bounded(gzip.compress(b"<urlset/>"), 1 * MB) == b"<urlset/>"
    with pytest.raises(NotASitemapError):
        gunzip_bounded(b"\x1f\x8b\x08garbage", 1 * MB)


@pytest.mark.e2e
def test_billion_laughs_sitemap_is_a_counted_error(hostile: HostileSite, tmp_path: Path) -> None:
    with pytest.raises(NotASitemapError, match="entities"):
        parse_sitemap_document(BILLION_LAUGHS)
    hostile.reset()
    result = run_crawl(tmp_path, "sitemap", {"name": "lol", "sitemap": hostile.url("laughs.xml")})
    assert result.returncode == 0, result.log
    assert result.stat(source_key(STAT_ERRORS, "lol")) == 1
    assert "entities" in result.stats[source_key(STAT_SOURCE_ERROR, "lol")]


@pytest.mark.e2e
def test_endless_sitemap_indexes_stop_at_the_depth_limit(
    hostile: HostileSite, tmp_path: Path
) -> None:
    hostile.reset()
    result = run_crawl(
        tmp_path, "sitemap", {"name": "deep", "sitemap": hostile.url("index/root.xml?fan=2")}
    )
    assert result.returncode == 0, result.log
    indexes = [p for p in hostile.paths() if p.startswith("/index/")]
    # The source, its 2 children, their 4 children (depth 2); the 8 below are not fetched.
    assert len(indexes) == 1 + 2 + 4
    assert result.stat(source_key(STAT_ERRORS, "deep")) == 4  # one per index at the limit
    assert "nested deeper than 2 levels" in result.log


@pytest.mark.e2e
def test_wide_sitemap_indexes_stop_at_the_fan_out_and_document_limits(
    hostile: HostileSite, tmp_path: Path
) -> None:
    hostile.reset()
    result = run_crawl(
        tmp_path,
        "sitemap",
        {"name": "wide", "sitemap": hostile.url("index/root.xml?fan=500")},
        settings={"NEWSWATCH_SITEMAP_MAX_DOCUMENTS": 20},
    )
    assert result.returncode == 0, result.log
    indexes = [p for p in hostile.paths() if p.startswith("/index/")]
    assert len(indexes) == 1 + 20  # the source, then 20 index documents in all
    assert "the index lists 500 sitemaps; following the first 50" in result.log
    assert "not followed" in result.log
    assert result.stat(source_key(STAT_ERRORS, "wide")) >= 2


@pytest.mark.e2e
def test_a_trickling_source_is_cut_at_its_deadline_while_its_batch_completes(
    hostile: HostileSite,
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    hostile.reset()
    site.reset()
    result = run_crawl(
        tmp_path,
        "batch",
        {},
        sources=[
            {"name": "trickle", "feed": hostile.url("trickle-feed.xml?n=4")},
            {"name": "healthy", "feed": site.url("feeds/latest.rss.xml")},
            {"name": "deals", "feed": site.url("feeds/tech.atom.xml")},
        ],
        # Downloads alone would wait a minute each (and be retried): only the deadline cuts here.
        settings={"NEWSWATCH_SOURCE_DEADLINE": 3, "DOWNLOAD_TIMEOUT": 60},
    )
    assert result.returncode == 0, result.log
    healthy = {item["url"] for item in result.items if item["source"] == "healthy"}
    deals = {item["url"] for item in result.items if item["source"] == "deals"}
    assert len(healthy) == 3 and len(deals) == 3
    assert result.stat(source_key(STAT_ERRORS, "healthy")) == 0
    assert result.stat(source_key(STAT_ERRORS, "deals")) == 0
    assert not [item for item in result.items if item["source"] == "trickle"]
    assert result.stat(source_key(STAT_ERRORS, "trickle")) >= 1
    assert "deadline" in result.stats[source_key(STAT_SOURCE_ERROR, "trickle")]
    assert result.stats["finish_reason"] == "finished"


@pytest.mark.e2e
@pytest.mark.parametrize("allow_private", [False, True])
def test_dns_rebinding_cannot_reach_loopback(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
    allow_private: bool,
) -> None:
    """A name that answers a public address to the check, then 127.0.0.1 to the download."""
    site.reset()
    port = site.base.rsplit(":", 1)[-1]
    result = run_crawl(
        tmp_path,
        "feed",
        {"name": "rebind", "feed": f"http://rebind.test:{port}/feeds/latest.rss.xml"},
        settings={"NEWSWATCH_ALLOW_PRIVATE": allow_private},
        fake_dns={"rebind.test": ["93.184.216.34", "127.0.0.1"]},
    )
    assert result.returncode == 0, result.log
    if allow_private:
        # The control: the fake DNS does lead to the loopback site when private is allowed.
        assert "/feeds/latest.rss.xml" in site.paths()
    else:
        assert site.paths() == []
        assert "Refused to connect to rebind.test: it resolves to 127.0.0.1" in result.log
        assert result.stat(source_key(STAT_ERRORS, "rebind")) == 1


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo of 127.0.0.1
        "::ffff:127.0.0.1",
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
        "64:ff9b:1::1",
    ],
)
def test_embedded_private_ipv4_forms_are_refused(address: str) -> None:
    from crawler.resolver import refusal_for_address
    from crawler.urls import check_public_url

    assert check_public_url(f"http://[{address}]/") is not None
    assert refusal_for_address(address, allow_private=False) is not None
    assert refusal_for_address("64:ff9b::808:808", allow_private=False) is None
    assert refusal_for_address("2002:808:808::", allow_private=False) is None


def _fetch(url: str) -> bytes:
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        body: bytes = response.read()
    return body


def test_a_canonical_url_on_another_site_is_ignored(hostile: HostileSite) -> None:
    from crawler.extractor import extract_article

    url = hostile.url("page/canonical-elsewhere.html")
    fields = extract_article(_fetch(url), url)
    assert fields.text and fields.canonical_url is None
    same = hostile.url("page/canonical-same-site.html")
    fields = extract_article(_fetch(same), same)
    assert fields.canonical_url == hostile.url("page/the-canonical-one.html")


@pytest.mark.parametrize(
    ("page", "canonical", "kept"),
    [
        ("https://news.example.co.uk/a", "https://www.example.co.uk/b", True),
        ("https://example.com/a", "https://www.example.com/b", True),
        ("https://example.com/a", "https://example.org/b", False),
        ("https://alice.github.io/a", "https://bob.github.io/b", False),  # private suffix
        ("https://example.com/a", "https://example.com.evil.net/b", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.2/b", False),
    ],
)
def test_canonical_same_site_rule(page: str, canonical: str, kept: bool) -> None:
    from crawler.extractor import extract_article

    html = f"<html><head><link rel='canonical' href='{canonical}'></head><body></body></html>"
    assert (extract_article(html, page).canonical_url == canonical) is kept


def test_titles_and_bodies_are_bounded_at_extraction() -> None:
    from crawler.extractor import (
        MAX_TEXT_CHARS,
        MAX_TITLE_CHARS,
        extract_article,
        fields_with_fallback,
    )

    paragraph = "<p>Meta hires a researcher for its AI lab, the company said today.</p>"
    # Just over the text limit (the limit, not the size of the page, is what is tested).
    count = MAX_TEXT_CHARS // (len(paragraph) - 7) + 500
    html = (
        f"<html><head><title>{'T' * 1_000_000}</title></head><body><article>"
        + paragraph * count
        + "</article></body></html>"
    )
    fields = extract_article(html, "https://example.com/a")
    assert fields.title is not None and len(fields.title) <= MAX_TITLE_CHARS
    assert 0 < len(fields.text) <= MAX_TEXT_CHARS
    empty = extract_article("", "https://example.com/b")
    filled = fields_with_fallback(empty, title="x" * 10**6, text="word " * 10**6)
    assert len(filled.title or "") <= MAX_TITLE_CHARS and len(filled.text) <= MAX_TEXT_CHARS


def test_a_page_with_too_many_elements_is_not_analysed(caplog: pytest.LogCaptureFixture) -> None:
    from crawler.extractor import MAX_ELEMENTS, extract_article

    story = f"<p>{STORY_TEXT}</p>"
    # One element short of the bound (html, body, article, h1 and the story are the others).
    filler = "<p>a</p>" * (MAX_ELEMENTS - 5)
    page = f"<html><body><article><h1>A story</h1>{story}{filler}</article></body></html>"
    assert STORY_TEXT.strip()[:40] in extract_article(page, "https://example.com/a").text
    over = page.replace("<h1>", "<p>a</p><h1>", 1)
    with caplog.at_level("WARNING", logger="crawler.extractor"):
        fields = extract_article(over, "https://example.com/b")
    assert fields.text == "" and fields.title is None
    assert f"more than the {MAX_ELEMENTS}" in caplog.text


def test_fragments_are_read_up_to_their_bound() -> None:
    """Feed content and JSON-LD articleBody come from the source too: all tags is the worst."""
    import json

    from crawler.extractor import MAX_FRAGMENT_CHARS, extract_article, html_to_text

    paragraphs = MAX_FRAGMENT_CHARS // len("<p>a</p>") + 1000
    assert html_to_text("<p>a</p>" * paragraphs).count("a") == MAX_FRAGMENT_CHARS // 8
    assert html_to_text("<div><p>one</p>two<br>three</div>") == "one\ntwo\nthree"
    ld = json.dumps({"@type": "NewsArticle", "articleBody": "<p>a b c d e f</p>" * 30_000})
    page = f"<html><head><script type='application/ld+json'>{ld}</script></head><body></body>"
    text = extract_article(page, "https://example.com/a").text
    assert 0 < len(text) <= MAX_FRAGMENT_CHARS


async def test_the_event_loop_runs_while_a_heavy_page_is_extracted() -> None:
    """Extraction holds the GIL in Python code: the loop must still get its turns."""
    import asyncio

    from crawler.extractor import MAX_ELEMENTS, extract_article
    from scheduler.runtime import make_extract_executor

    # The costliest shape under the bound (about a second of CPU here).
    page = "<html><body><article>" + "<p>a</p>" * (MAX_ELEMENTS - 10) + "</article></body></html>"
    executor = make_extract_executor()
    try:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(executor, extract_article, page, "https://example.com/a")
        turns = 0
        while not future.done():
            await asyncio.sleep(0.001)
            turns += 1
        assert (await future).text
    finally:
        executor.shutdown()
    # A blocked loop would get one turn, at the end; it gets one every switch interval or so.
    assert turns >= 10, turns


def test_a_listing_nested_too_deep_is_an_error_not_an_empty_page() -> None:
    from scrapy.http import HtmlResponse

    from crawler.sources import Source
    from crawler.spiders.base import ParseLimits
    from crawler.spiders.listing import MAX_DEPTH, listing_entries

    source = Source.model_validate({"name": "l", "listing": "https://x.example/", "links": "a"})
    limits = ParseLimits(max_age=None, max_size=0)

    def page(depth: int) -> HtmlResponse:
        body = "<div>" * depth + "<a href='/story'>A story</a>" + "</div>" * depth
        return HtmlResponse(
            "https://x.example/", body=f"<html><body>{body}".encode(), encoding="utf-8"
        )

    assert len(listing_entries(page(100), source, limits)[0]) == 1
    for depth in (MAX_DEPTH, 100_000):
        with pytest.raises(ValueError, match="levels deep"):
            listing_entries(page(depth), source, limits)


@pytest.mark.e2e
def test_a_deep_listing_is_a_counted_error(hostile: HostileSite, tmp_path: Path) -> None:
    hostile.reset()
    source = {"name": "deep", "listing": hostile.url("deep-listing.html"), "links": "a.story"}
    result = run_crawl(tmp_path, "listing", source)
    assert result.returncode == 0, result.log
    assert result.stat(source_key(STAT_ERRORS, "deep")) == 1
    assert "levels deep" in result.stats[source_key(STAT_SOURCE_ERROR, "deep")]


@pytest.mark.e2e
def test_a_pathological_page_costs_one_story_not_the_crawl(
    hostile: HostileSite, tmp_path: Path
) -> None:
    """``newswatch crawl`` as a user runs it: the plain stories are stored, the page is dropped."""
    from tests.scheduler.test_crawl_e2e import crawl, write_config

    hostile.reset()
    feed = hostile.url("feed.xml?pages=pathological,plain-one")
    source = f'[[source]]\nname = "mixed"\nfeed = "{feed}"\nevery = "1h"\n'
    config = write_config(tmp_path, hostile, f"sqlite:///{tmp_path / 'nw.db'}", source)  # type: ignore[arg-type]
    code, summary, log = crawl(config)
    assert code == 0, log
    assert "/page/pathological.html" in hostile.paths()
    assert summary["mixed"]["new_articles"] == 1
    assert summary["mixed"]["dropped"] == {"no_text": 1}
    assert "not extracting" in log and "262147 elements" in log
