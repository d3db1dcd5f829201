"""Done when: three local feeds report five events through one to three outlets each; crawled
and dispatched as a user runs it (``newswatch crawl --once`` then ``newswatch dispatch --once``,
each its own process, so the service restarts between the first reports and the later ones),
Slack gets exactly five top-level messages and every later report as a reply in its story's
thread; the completion of a deal is broadcast once; earnings news about the same companies
alerts nobody. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from alerts.render_slack import slack_escape
from tests.scheduler.story_reports import EVENTS, REPORTS, Report
from tests.servers.fake_slack import FakeSlack
from tests.servers.site import FixtureSite

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 180
OUTLETS = ("wire", "techdaily", "bytes")


def write_site(root: Path, base: datetime, waves: set[int]) -> None:
    """Each outlet's RSS feed with the reports of ``waves``, and every report's page."""
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    (root / "news").mkdir(exist_ok=True)
    for r in REPORTS:
        paragraphs = "".join(f"<p>{html.escape(p)}.</p>" for p in r.body.rstrip(".").split(". "))
        (root / "news" / f"{r.slug}.html").write_text(
            f"<!DOCTYPE html><html><head><title>{html.escape(r.title)}</title>"
            f'<meta property="og:title" content="{html.escape(r.title)}">'
            f'<meta property="article:published_time" content="{when(base, r).isoformat()}">'
            f"</head><body><article><h1>{html.escape(r.title)}</h1>{paragraphs}"
            "</article></body></html>",
            encoding="utf-8",
        )
    for outlet in OUTLETS:
        items = "".join(
            f"<item><title>{html.escape(r.title)}</title>"
            f"<link>{{base}}/news/{r.slug}.html</link><guid>{r.slug}</guid>"
            f"<pubDate>{format_datetime(when(base, r), usegmt=True)}</pubDate></item>"
            for r in REPORTS
            if r.outlet == outlet and r.wave in waves
        )
        (root / "feeds" / f"{outlet}.xml").write_text(
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{outlet}</title><link>{{base}}/</link>{items}</channel></rss>",
            encoding="utf-8",
        )


def when(base: datetime, r: Report) -> datetime:
    return base + timedelta(hours=r.hours)


def newswatch(config: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(REPO), "NW_TEST_SLACK_TOKEN": "xoxb-test"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout


def test_five_events_five_alerts_the_rest_in_threads(tmp_path: Path, db_url: str) -> None:
    root = tmp_path / "site"
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=40)
    write_site(root, base, {1})
    site = FixtureSite(root).start()
    slack = FakeSlack().start()
    try:
        sources = "".join(
            f'\n[[source]]\nname = "{o}"\nfeed = "{site.url(f"feeds/{o}.xml")}"\nevery = "1m"\n'
            for o in OUTLETS
        )
        config = tmp_path / "newswatch.toml"
        config.write_text(
            f"""\
[service]
database_url = "{db_url}"
health_listen = ""

[crawl]
allow_private = true
download_delay = "1ms"
autothrottle = false
default_max_age = "7d"

[[channel]]
name = "deals"
kind = "slack"
token = "env:NW_TEST_SLACK_TOKEN"
channel = "#deals"
api_url = "{slack.api_url}"
rate_limit = 0
{sources}""",
            encoding="utf-8",
        )
        newswatch(config, "crawl", "--once")
        newswatch(config, "dispatch", "--once")
        first = slack.top_level()
        assert len(first) == len(EVENTS), [c.body.get("text") for c in first]
        assert not slack.replies()

        # The service restarts; the later reports arrive.
        write_site(root, base, {1, 2})
        newswatch(config, "crawl", "--once")
        newswatch(config, "dispatch", "--once")
        stories_out = newswatch(config, "stories", "--since", "7d", "--json")
    finally:
        site.close()
        slack.stop()

    top, replies = slack.top_level(), slack.replies()
    assert len(top) == len(EVENTS), [c.body.get("text") for c in top]
    later = [r for r in REPORTS if r.matches and r.wave == 2]
    assert len(replies) == len(later), [c.body.get("text") for c in replies]
    parents = {c.body["_ts"]: c for c in top}
    titles = {r.slug: r.title for r in REPORTS}
    event_of_title = {r.title: r.story for r in REPORTS}
    for reply in replies:
        parent = parents[reply.body["thread_ts"]]  # threads under one of the five alerts
        assert reply.body["channel"] == "C001"  # the channel id Slack gave the parent
        story = next(e for t, e in event_of_title.items() if slack_escape(t) in reply.body["text"])
        assert any(
            slack_escape(titles[r.slug]) in parent.body["text"] for r in REPORTS if r.story == story
        ), (reply.body["text"], parent.body["text"])
    broadcast = [c for c in replies if c.body.get("reply_broadcast")]
    assert len(broadcast) == 1 and "completes" in broadcast[0].body["text"]
    sent = " ".join(str(c.body.get("text")) for c in slack.posted())
    assert "revenue" not in sent.lower()  # earnings alert nobody
    assert stories_out.count('"story_id"') >= len(EVENTS)
