"""Returning freed heap memory to the system after a crawl that extracted pages."""

from __future__ import annotations

import sys

import pytest

from crawler.memory import release_free_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_parse_trees_go_back_to_the_system() -> None:
    import psutil

    from crawler.extractor import extract_article

    process = psutil.Process()
    page = "<html><body><article>" + "<p>Meta hires a researcher.</p>" * 5_000 + "</article>"
    for _ in range(2):
        extract_article(page, "https://example.com/a")
    before = process.memory_info().rss
    assert release_free_memory()
    # Parse trees of ~5k elements are megabytes; at least one must come back.
    assert process.memory_info().rss < before - 1024 * 1024
