"""Tests for the article extractor (crawler/extractor.py) and the ``newswatch extract`` command.

The 181 real pages of the shared reference set (skipped when the data folder is absent) must all
yield text and metadata; their F1 is a benchmark figure (``bench/extraction.py``), not a test.
Behaviour on JSON-LD, OpenGraph, dates, charsets and junk is checked on small hand-written pages.
The command is exercised end to end on a ``.html.gz`` file and on a URL served by a local HTTP
server on a free loopback port.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.extraction import aggregate, load_pages, page_scores
from crawler.extractor import (
    ArticleFields,
    decode_html,
    extract_article,
    extract_article_from_bytes,
    fields_with_fallback,
)
from scheduler.cli import main
from tests.conftest import shared_data

PARAGRAPHS = [
    "The company said on Tuesday that it had hired the former head of research at a rival "
    "laboratory to lead a new group working on large language models and their safety.",
    "According to people familiar with the matter, the hiring followed months of talks and "
    "included a package of stock options worth several million dollars over four years.",
    "Analysts said the move showed how fiercely the largest technology groups now compete for "
    "a small pool of researchers who have trained frontier models at scale.",
    "The new group will be based in London and is expected to grow to about fifty people by the "
    "end of next year, with most of them recruited from universities across Europe.",
    "A spokesperson declined to comment on the terms of the agreement but confirmed that the "
    "researcher would report directly to the chief executive of the company.",
]
BOILERPLATE = """
<nav><ul><li><a href="/">Home</a></li><li><a href="/tech">Tech</a></li>
<li><a href="/business">Business</a></li><li><a href="/about">About us</a></li></ul></nav>
<div class="cookie">We use cookies. <a href="/privacy">Privacy policy</a></div>
<footer><p>Copyright 2024 Example Media. All rights reserved.</p>
<a href="/terms">Terms</a> <a href="/contact">Contact</a></footer>
"""


def article_page(head: str = "", *, body: str | None = None, lang: str = "en") -> str:
    """A plausible news page: navigation and footer around an article of five paragraphs."""
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) if body is None else body
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}'
        f"<title>Page title | Example News</title></head><body>{BOILERPLATE}"
        f"<main><article><h1>Headline</h1>{story}</article></main>{BOILERPLATE}</body></html>"
    )


# -- the reference data set ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_results() -> list[tuple[str, str, ArticleFields]]:
    # Every third page of the reference set (about 60): the quick loop stays quick, and
    # ``python bench/extraction.py`` reads them all for the figures.
    pages = load_pages(shared_data("article-extraction"))[::3]
    return [(truth, url, extract_article(html, url)) for _, url, html, truth in pages]


def test_reference_set_pages_yield_text(
    reference_results: list[tuple[str, str, ArticleFields]],
) -> None:
    # How good the text is, is a figure: ``python bench/extraction.py`` prints the F1.
    assert sum(1 for _, _, f in reference_results if not f.text) <= 1


def test_reference_set_metadata(reference_results: list[tuple[str, str, ArticleFields]]) -> None:
    dated = [f.published for _, _, f in reference_results if f.published is not None]
    assert len(dated) >= 0.8 * len(reference_results)
    assert all(d.tzinfo is not None and d.utcoffset() is not None for d in dated)
    canonical = [f.canonical_url for _, _, f in reference_results if f.canonical_url]
    assert len(canonical) >= 0.8 * len(reference_results)
    assert all(c.startswith(("http://", "https://")) for c in canonical)
    titled = [f.title for _, _, f in reference_results if f.title]
    assert len(titled) == len(reference_results)
    for _, _, fields in reference_results:
        json.dumps(fields.to_dict())


def test_metric_matches_known_baseline() -> None:
    assert page_scores("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    tp, fp, fn = page_scores("a b c d e", "a b c d x")  # shingles: abcd, bcde vs abcd, bcdx
    assert (tp, fp, fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert aggregate([(1 / 3, 1 / 3, 1 / 3), (1.0, 0.0, 0.0)])["precision"] == pytest.approx(0.75)


# -- JSON-LD, OpenGraph, meta --------------------------------------------------------------------


def test_json_ld_graph_with_author_list() -> None:
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Example News", "url": "https://news.example/"},
            {
                "@type": ["NewsArticle"],
                "headline": "Lab hires research chief",
                "datePublished": "2024-03-05T09:30:00+01:00",
                "author": [
                    {"@type": "Person", "name": "Ada Lovelace"},
                    "Alan Turing",
                    {"@type": "Person", "name": "ada lovelace"},
                ],
                "description": "A rival's research head moves.",
                "inLanguage": "en-GB",
            },
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    head += '<link rel="canonical" href="/2024/03/lab-hires">'
    fields = extract_article(article_page(head), "https://news.example/amp/lab-hires?x=1")
    assert fields.title == "Lab hires research chief"
    assert fields.published == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert fields.authors == ("Ada Lovelace", "Alan Turing")
    assert fields.canonical_url == "https://news.example/2024/03/lab-hires"
    assert fields.summary == "A rival's research head moves."
    assert fields.language == "en"  # <html lang> outranks inLanguage
    assert "former head of research" in fields.text
    assert "Copyright" not in fields.text and "cookies" not in fields.text


def test_json_ld_list_with_single_author_dict_and_article_body_fallback() -> None:
    body = "\n".join(PARAGRAPHS)
    ld = [
        {"@type": "BreadcrumbList"},
        {
            "@type": "ReportageNewsArticle",
            "headline": "From the app shell",
            "articleBody": body,
            "author": {"@type": "Person", "name": "Grace Hopper"},
            "datePublished": "2024-01-02",
        },
    ]
    # A JavaScript app shell: no article markup at all, only the publisher's declaration.
    page = (
        '<html><head><script type="application/ld+json">' + json.dumps(ld) + "</script></head>"
        '<body><div id="root"></div><script>window.boot()</script></body></html>'
    )
    fields = extract_article(page, "https://news.example/a")
    assert fields.text == body
    assert fields.authors == ("Grace Hopper",)
    assert fields.published == datetime(2024, 1, 2, tzinfo=UTC)


def test_broken_json_ld_is_ignored() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    head += '<meta property="og:title" content="OG wins">'
    fields = extract_article(article_page(head), "https://news.example/a")
    assert fields.title == "OG wins"
    assert fields.text


def test_opengraph_only_page() -> None:
    head = (
        '<meta property="og:title" content="OpenGraph headline">'
        '<meta property="og:description" content="What happened, briefly.">'
        '<meta property="article:published_time" content="2024-05-06T07:08:09Z">'
        '<meta property="og:url" content="https://news.example/og-story">'
        '<meta property="og:locale" content="fr_FR">'
        '<meta property="article:author" content="https://facebook.com/someone">'
        '<meta name="author" content="Jean Dupont">'
    )
    page = article_page(head).replace(' lang="en"', "")
    fields = extract_article(page, "https://news.example/x")
    assert fields.title == "OpenGraph headline"
    assert fields.summary == "What happened, briefly."
    assert fields.published == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert fields.canonical_url == "https://news.example/og-story"
    assert fields.language == "fr-FR"
    assert fields.authors == ("Jean Dupont",)  # the profile URL is not a name


def test_meta_tags_and_title_fallback() -> None:
    head = (
        '<meta name="description" content="Plain description.">'
        '<meta name="sailthru.date" content="2024-02-03 14:15:00">'
        '<meta name="parsely-author" content="By Mary Shelley">'
    )
    fields = extract_article(article_page(head), "https://news.example/x")
    assert fields.title == "Page title | Example News"
    assert fields.summary == "Plain description."
    assert fields.authors == ("Mary Shelley",)
    # A naive date is read as UTC, never as the machine's local time.
    assert fields.published == datetime(2024, 2, 3, 14, 15, tzinfo=UTC)
    assert fields.canonical_url is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-03T10:00:00", datetime(2024, 2, 3, 10, tzinfo=UTC)),
        ("2024-02-03T10:00:00-05:00", datetime(2024, 2, 3, 15, tzinfo=UTC)),
        ("Tue, 03 Feb 2024 10:00:00 EST", datetime(2024, 2, 3, 15, tzinfo=UTC)),
        ("February 3, 2024 10:00 IST", datetime(2024, 2, 3, 10, tzinfo=UTC)),  # ambiguous zone
        ("not a date at all", None),
    ],
)
def test_dates_are_timezone_aware(value: str, expected: datetime | None) -> None:
    head = f'<meta name="date" content="{value}">'
    published = extract_article(article_page(head), "https://news.example/x").published
    assert published == expected
    if published is not None:
        assert published.utcoffset() is not None


# -- empty, broken, junk ---------------------------------------------------------------------------


def test_boilerplate_only_page_has_empty_text() -> None:
    page = f"<html><head><title>Home</title></head><body>{BOILERPLATE}</body></html>"
    fields = extract_article(page, "https://news.example/")
    assert fields.text == ""
    assert fields.title == "Home"


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        "",
        "   \n ",
        b"\x00\x01\x02\xff\xfe\x00" * 500,
        bytes(range(256)) * 40,
        b"\x1f\x8b\x08\x00garbage",
        "<<<>>>&&&;;;<!-- never closed",
        b'<html><head><meta charset="no-such-charset"></head><body>\xff</body></html>',
        "\x00<html>\x00</html>",
    ],
)
def test_junk_never_raises(junk: str | bytes) -> None:
    fields = extract_article(junk, "https://news.example/j")
    assert isinstance(fields, ArticleFields)
    assert fields.text == ""
    json.dumps(fields.to_dict())


def test_broken_html_around_a_story_still_extracts() -> None:
    broken = extract_article("<html><body><p>unclosed <b><i>tags <div></p></span>", "https://x.y/")
    assert broken.text == "unclosed tags"
    page = article_page().replace("</article>", "").replace("</main>", "<div><span>")
    assert "former head of research" in extract_article(page, "https://news.example/b").text


# -- charsets --------------------------------------------------------------------------------------


def test_meta_charset_legacy_encoding() -> None:
    body = "".join(f"<p>{p} Café crème à Noël.</p>" for p in PARAGRAPHS)
    page = article_page(body=body).replace('charset="utf-8"', 'charset="windows-1252"')
    fields = extract_article_from_bytes(page.encode("windows-1252"), "https://news.example/c")
    assert "Café crème à Noël." in fields.text


def test_utf16_bom_and_default_utf8_with_replacement() -> None:
    page = article_page(body="".join(f"<p>{p} Zürich</p>" for p in PARAGRAPHS))
    raw16 = b"\xff\xfe" + page.encode("utf-16-le")
    assert "Zürich" in extract_article(raw16, "https://news.example/u").text
    assert decode_html("Zürich".encode() + b"\xff") == "Zürich\ufffd"
    # A page mislabelled as latin-1 that is valid UTF-8 keeps its UTF-8 reading.
    assert decode_html('<meta charset="iso-8859-1">Zürich'.encode()).endswith("Zürich")


# -- feed fallback ---------------------------------------------------------------------------------


def test_fields_with_fallback_fills_only_gaps() -> None:
    empty = extract_article("", "https://news.example/f")
    naive = datetime(2024, 1, 1, 12, 0)
    filled = fields_with_fallback(
        empty,
        title="Feed title",
        published=naive,
        summary="Feed summary",
        text="<p>First paragraph.</p><p>Second &amp; last.</p>",
        authors=("Ann", "ann", " "),
    )
    assert filled.title == "Feed title"
    assert filled.published == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert filled.summary == "Feed summary"
    assert filled.text == "First paragraph.\nSecond & last."
    assert filled.authors == ("Ann",)

    page = extract_article(
        article_page('<meta name="author" content="Page Author">'), "https://news.example/f"
    )
    kept = fields_with_fallback(
        page,
        title="Feed title",
        text="feed text",
        authors=("Feed",),
        published=datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=2))),
    )
    assert kept.title == page.title and kept.text == page.text
    assert kept.authors == ("Page Author",)
    assert kept.published == datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=2)))


# -- the command -----------------------------------------------------------------------------------


def test_extract_command_on_gzip_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "story.html.gz"
    good.write_bytes(gzip.compress(article_page('<link rel="canonical" href="/s">').encode()))
    missing = tmp_path / "missing.html"
    code = main(["extract", str(missing), str(good), "--url", "https://news.example/s?utm=x"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 1
    fields = json.loads(lines[0])
    assert fields["canonical_url"] == "https://news.example/s"
    assert "former head of research" in fields["text"]
    assert err.count("\n") == 1 and "missing.html" in err


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/story")
            self.end_headers()
            return
        if self.path != "/story":
            self.send_error(404)
            return
        body = article_page(body="".join(f"<p>{p} Ærø</p>" for p in PARAGRAPHS))
        data = body.replace('charset="utf-8"', "").encode("iso-8859-1")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=iso-8859-1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.server.user_agents.append(self.headers.get("User-Agent", ""))  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def news_server() -> Iterator[tuple[str, list[str]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.user_agents = []  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.user_agents  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_extract_command_on_url(
    news_server: tuple[str, list[str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    base, user_agents = news_server
    config = tmp_path / "newswatch.toml"
    config.write_text("[crawl]\nallow_private = true\n")  # the server is on loopback
    monkeypatch.setenv("NEWSWATCH_CONFIG", str(config))
    code = main(["extract", f"{base}/moved", f"{base}/nothing-here"])
    out, err = capsys.readouterr()
    assert code == 1
    fields = json.loads(out.strip())
    assert fields["url"] == f"{base}/story"  # redirect followed
    assert "Ærø" in fields["text"]  # charset from the Content-Type header
    assert "HTTP 404" in err and "nothing-here" in err
    assert user_agents and user_agents[0].startswith("newswatch/")


def test_html_to_text_repairs_feed_fragments() -> None:
    from crawler.extractor import html_to_text

    fragment = "<p>Meta <b>hires</b> &amp; pays<p>Second<br>line<script>track()</script><div>end"
    assert html_to_text(fragment) == "Meta hires & pays\nSecond\nline\nend"
    assert html_to_text("plain &amp; text") == "plain & text"
    assert html_to_text("") == "" and html_to_text(None) == ""
