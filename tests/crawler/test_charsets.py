"""Mislabelled charsets: the crawl hands the extractor the response's bytes and the header's
charset, and the extractor weighs them against the bytes and the page's ``<meta>`` -- a UTF-8
page served as latin-1, and a latin-1 page served as UTF-8, both read without mojibake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.extractor import decode_html
from crawler.items import EntryHints, PageItem
from crawler.pipelines.extract import extract_page
from crawler.sources import Source
from crawler.spiders.feed import FeedSpider
from scheduler.cli import main
from tests.servers.hostile import HostileSite

TITLE = "Ça coûte 14,3 milliards: Meta recrute le patron de Scale AI"
PAGES = ["page/mislabelled.html", "page/latin1-says-utf8.html"]


def test_decode_html_weighs_labels_against_the_bytes() -> None:
    text = "<p>Zürich, São Paulo, Ærø</p>"
    utf8, latin1 = text.encode(), text.encode("iso-8859-1")
    assert decode_html(utf8, "iso-8859-1") == text  # valid UTF-8 wins over the header
    assert decode_html(latin1, "iso-8859-1") == text  # the header, when the bytes need it
    assert decode_html(b"<meta charset='latin-1'>" + latin1, "utf-8").endswith(text)  # <meta>
    assert decode_html(latin1, "no-such-charset") == latin1.decode("utf-8", errors="replace")
    assert decode_html(latin1, "utf-16") == latin1.decode("utf-8", errors="replace")


def _page_item(hostile_body: bytes, content_type: str) -> PageItem:
    """What the spider yields for one article response."""
    source = Source.model_validate({"name": "s", "feed": "https://news.example/feed.xml"})
    spider = FeedSpider(source=source)
    url = "https://news.example/story.html"
    meta = {"newswatch": {"role": "article", "url": url, "hints": EntryHints(), "source": "s"}}
    response = HtmlResponse(
        url,
        body=hostile_body,
        headers={"Content-Type": content_type},
        request=Request(url, meta=meta),
    )
    items = list(spider.parse_article(response))
    assert len(items) == 1
    return items[0]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (f"<html><head><title>{TITLE}</title></head>".encode(), "text/html; charset=iso-8859-1"),
        (
            f"<html><head><meta charset='iso-8859-1'><title>{TITLE}</title></head>".encode(
                "iso-8859-1"
            ),
            "text/html; charset=utf-8",
        ),
    ],
    ids=["utf8-served-as-latin1", "latin1-served-as-utf8"],
)
def test_the_crawl_extracts_from_bytes(body: bytes, content_type: str) -> None:
    paragraphs = "".join(f"<p>{TITLE}. Le rachat est conclu, dit-on à Menlo Park.</p>" * 4)
    page = body + f"<body><article><h1>{TITLE}</h1>{paragraphs}</article></body></html>".encode(
        "utf-8" if "iso" in content_type else "iso-8859-1"
    )
    item = _page_item(page, content_type)
    assert isinstance(item.html, bytes)
    fields = extract_page(item.html, item.final_url, item.hints, item.charset).fields
    assert fields.title == TITLE
    assert "à Menlo Park" in fields.text and "Ã" not in fields.text and "\ufffd" not in fields.text


def test_extract_command_on_mislabelled_pages(
    hostile: HostileSite,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSWATCH_CONFIG", raising=False)
    (tmp_path / "newswatch.toml").write_text("[crawl]\nallow_private = true\n")
    code = main(["extract", *(hostile.url(p) for p in PAGES)])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["title"] for row in rows] == [TITLE, TITLE]
