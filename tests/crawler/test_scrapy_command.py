"""``scrapy crawl`` in the project folder: a source name or no ``-a url`` is a usage error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError

from crawler.commands.crawl import check_spider_args

REPO = Path(__file__).resolve().parents[2]


def test_a_source_name_points_at_newswatch_crawl() -> None:
    with pytest.raises(UsageError, match="newswatch crawl techcrunch --once"):
        check_spider_args("techcrunch", {})
    with pytest.raises(UsageError, match=r"scrapy crawl listing -a url=https://\.\.\..* -a links"):
        check_spider_args("listing", {})
    check_spider_args("feed", {"url": "https://example.com/feed.xml"})  # fine


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["techcrunch"], "'techcrunch' is not a spider here"),
        (["feed"], "give the feed URL: scrapy crawl feed -a url=https://"),
    ],
)
def test_scrapy_crawl_explains_itself_without_a_traceback(args: list[str], says: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr
