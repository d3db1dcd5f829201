"""``newswatch crawl --once`` end to end: fixture site -> spiders -> pipelines -> SQLite/PostgreSQL.

Each crawl runs as the user runs it, a ``newswatch`` subprocess (a Twisted reactor runs once per
process), against the fixture news site on loopback and the store behind ``db_url`` (both backends).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.fingerprint import hamming, simhash
from scheduler.store import open_store
from tests.servers.site import FixtureSite

# Each test runs newswatch (or a crawl) in a child process: part of the e2e suite.
pytestmark = pytest.mark.e2e

CRAWL_TIMEOUT = 180


def write_config(tmp_path: Path, site: FixtureSite, db_url: str, sources: str) -> Path:
    path = tmp_path / "newswatch.toml"
    path.write_text(
        f"""\
[service]
database_url = "{db_url}"
health_listen = ""

[crawl]
allow_private = true
download_delay = "1ms"
autothrottle = false
timeout = "3s"
retries = 1
default_max_age = "7d"

{sources}
""",
        encoding="utf-8",
    )
    return path


def crawl(config: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduler",
            "--config",
            str(config),
            "crawl",
            "--once",
            "--json",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    # Warnings are errors in-process (pytest's filterwarnings); hold the subprocess to that too.
    assert "Warning" not in proc.stderr, proc.stderr
    try:
        summary = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"crawl printed no JSON (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc.returncode, summary, proc.stderr


def article_fetches(site: FixtureSite) -> list[str]:
    return [p for p in site.paths() if p.startswith(("/news/", "/syndicated/"))]


def test_feed_into_store_then_recrawl_is_free(
    site: FixtureSite, db_url: str, tmp_path: Path
) -> None:
    site.reset()
    config = write_config(
        tmp_path,
        site,
        db_url,
        f'[[source]]\nname = "latest"\nfeed = "{site.url("feeds/latest.rss.xml")}"\n',
    )
    code, summary, err = crawl(config)
    assert code == 0, err
    s = summary["latest"]
    # Three recent stories; the utm_ copy of the Meta story is the same canonical URL; the
    # 400-hour-old story is past default_max_age.
    assert s["new_articles"] == 3, summary
    assert s["errors"] == 0
    assert s["matches"] >= 2  # the Meta hire and the OpenAI offers stories
    fetched = article_fetches(site)
    assert sorted(set(fetched)) == sorted(fetched), "an article was downloaded twice"
    assert not any("old-story" in p for p in fetched)

    store = open_store(db_url)
    try:
        counts = store.counts()
        assert counts["articles"] == 3
        assert counts["matches"] >= 2
        assert counts["deliveries"] >= 2  # one outbox row per (match, channel): console
        urls = {m.url for m in store.list_matches(since=_epoch())}
        assert any(u.endswith("/news/meta-hires-scale-ai-ceo.html") for u in urls)
        assert not any("utm_" in u for u in urls)
    finally:
        store.close()

    # Second crawl: the feed answers 304, nothing is downloaded or stored again.
    site.reset()
    code, summary, err = crawl(config)
    assert code == 0, err
    s = summary["latest"]
    assert s["not_modified"] == 1 and s["new_articles"] == 0, summary
    assert article_fetches(site) == []
    store = open_store(db_url)
    try:
        assert store.counts()["articles"] == 3
    finally:
        store.close()


def test_sitemap_listing_and_syndicated_copies(
    site: FixtureSite, db_url: str, tmp_path: Path
) -> None:
    site.reset()
    sources = f"""
[[source]]
name = "news-sitemap"
sitemap = "{site.url("sitemaps/index.xml")}"

[[source]]
name = "listing"
listing = "{site.url("listing.html")}"
links = "ul.latest a"

[[source]]
name = "atom"
feed = "{site.url("feeds/tech.atom.xml")}"

[[source]]
name = "json"
feed = "{site.url("feeds/ai.json")}"
"""
    config = write_config(tmp_path, site, db_url, sources)
    code, summary, err = crawl(config)
    assert code == 0, err
    assert set(summary) == {"news-sitemap", "listing", "atom", "json"}
    for name in ("news-sitemap", "listing", "atom", "json"):
        assert summary[name]["new_articles"] + summary[name]["duplicates"] >= 1, (name, summary)
    # The boilerplate-only page yields no text: dropped with its reason, not stored empty.
    assert summary["json"]["dropped"].get("no_text") == 1, summary["json"]
    store = open_store(db_url)
    try:
        stored = {m.url for m in store.list_matches(since=_epoch(), limit=1000)}
        texts = list(store.articles_since(_epoch()))
        assert all(text.strip() for _id, _t, text, _s, _p in texts)
        # The syndicated copy of the Meta story (another site's URL, same wire text) is linked,
        # not stored: no two stored articles are near-duplicates.
        prints = [(t, simhash(x)) for _id, t, x, _s, _p in texts]
        for i, (title_a, a) in enumerate(prints):
            for title_b, b in prints[i + 1 :]:
                assert hamming(a, b) > 3, (title_a, title_b)
        # Whichever copy came first (the sources crawl concurrently), the other was a duplicate.
        assert sum(s["duplicates"] for s in summary.values()) >= 1, summary
    finally:
        store.close()
    assert stored is not None
    # Everything crawled is already known: a second pass downloads no article again.
    site.reset()
    _code, summary, _err = crawl(config)
    assert article_fetches(site) == [], site.paths()
    assert all(s["new_articles"] == 0 for s in summary.values()), summary


def test_dry_run_stores_nothing(site: FixtureSite, db_url: str, tmp_path: Path) -> None:
    site.reset()
    config = write_config(
        tmp_path,
        site,
        db_url,
        f'[[source]]\nname = "latest"\nfeed = "{site.url("feeds/latest.rss.xml")}"\n',
    )
    code, summary, err = crawl(config, "--dry-run")
    assert code == 0, err
    assert summary["latest"]["new_articles"] == 3
    store = open_store(db_url)
    try:
        assert store.counts()["articles"] == 0
    finally:
        store.close()


def test_failing_source_is_reported_and_others_still_crawl(
    site: FixtureSite, db_url: str, tmp_path: Path
) -> None:
    site.reset()
    sources = f"""
[[source]]
name = "broken"
feed = "{site.url("status/404")}"

[[source]]
name = "not-xml"
feed = "{site.url("not-xml")}"

[[source]]
name = "latest"
feed = "{site.url("feeds/latest.rss.xml")}"
"""
    config = write_config(tmp_path, site, db_url, sources)
    code, summary, _err = crawl(config)
    assert code == 1  # some source failed
    assert summary["broken"]["error"] and summary["broken"]["errors"] >= 1
    assert summary["not-xml"]["errors"] >= 1
    assert summary["latest"]["new_articles"] == 3
    store = open_store(db_url)
    try:
        states = {s.name: s for s in store.list_source_states()}
        assert states["broken"].consecutive_failures == 1
        assert states["latest"].consecutive_failures == 0
        assert states["latest"].last_success is not None
    finally:
        store.close()


def _epoch() -> Any:
    from datetime import UTC, datetime

    return datetime(2000, 1, 1, tzinfo=UTC)


def test_a_story_that_failed_for_now_is_fetched_on_the_next_crawl(
    site: FixtureSite, db_url: str, tmp_path: Path
) -> None:
    """A 503 on a story must not be hidden by a 304 on its feed next time: nothing is missed."""
    site.reset()
    config = write_config(
        tmp_path,
        site,
        db_url,
        f'[[source]]\nname = "flaky"\nfeed = "{site.url("feeds/retry.rss.xml")}"\n',
    )
    text = config.read_text().replace("retries = 1", "retries = 0")
    config.write_text(text)
    code, summary, err = crawl(config)
    assert summary["flaky"]["errors"] == 1 and summary["flaky"]["new_articles"] == 0, summary
    # The story's 503 has passed; the feed is fetched in full again and the story comes in.
    code, summary, err = crawl(config)
    assert code == 0, err
    assert summary["flaky"]["not_modified"] == 0, summary
    assert summary["flaky"]["new_articles"] == 1, summary
    # And now that everything came in, the next crawl is a 304.
    code, summary, err = crawl(config)
    assert summary["flaky"]["not_modified"] == 1, summary
