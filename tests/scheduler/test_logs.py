"""Log format: plain lines by default, one JSON object per line with ``--log-json``."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.crawl_summary import CrawlSummary
from scheduler.logs import CRAWL_DETAIL_LOGGERS, log_crawl, quiet_crawl_detail, setup_logging
from scheduler.store import open_store
from tests.scheduler.test_store import make_article, make_match


def test_json_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(json_format=True)
        logging.getLogger("newswatch").warning("source %s is failing", "wire")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["level"] == "WARNING"
        assert record["logger"] == "newswatch"
        assert record["message"] == "source wire is failing"
        setup_logging()
        logging.getLogger("newswatch").info("plain")
        assert capsys.readouterr().err.rstrip().endswith("INFO newswatch: plain")
    finally:
        root.handlers[:], root.level = saved[0], saved[1]


def _summary(**counts: object) -> CrawlSummary:
    now = datetime.now(UTC)
    return CrawlSummary("wire", now, now, **counts)  # type: ignore[arg-type]


def test_crawl_lines_carry_fields_and_stay_quiet_when_idle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(json_format=True)
        log_crawl(_summary(requests=1, not_modified=1))
        log_crawl(_summary(requests=3, new_articles=2, matches=1))
        log_crawl(_summary(requests=1, errors=1, error="feed: connection refused"))
        idle, busy, failed = (
            json.loads(line) for line in capsys.readouterr().err.strip().splitlines()
        )
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    assert idle["message"] == "crawled wire: not modified" and idle["level"] == "INFO"
    assert busy["source"] == "wire" and busy["new"] == 2 and busy["matches"] == 1
    assert failed["level"] == "WARNING" and failed["error"] == "feed: connection refused"
    assert "connection refused" in failed["message"]


def test_the_service_leaves_per_request_crawl_lines_to_verbose() -> None:
    saved = {name: logging.getLogger(name).level for name in CRAWL_DETAIL_LOGGERS}
    try:
        quiet_crawl_detail(verbose=False)
        for name in CRAWL_DETAIL_LOGGERS:
            assert not logging.getLogger(name + ".base").isEnabledFor(logging.ERROR)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def test_a_delivery_is_logged_once_with_its_channel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        saved = store.save_article(
            make_article("https://example.com/a"), [make_match("deals", 0.9)], {"deals": ["alerts"]}
        )
        now = datetime.now(UTC) + timedelta(seconds=1)
        lease = now + timedelta(minutes=1)
        (delivery,) = store.claim_due(now=now, limit=10, lease_until=lease, channel="alerts")
        with caplog.at_level(logging.INFO, logger="newswatch.outbox"):
            store.mark_sent(delivery.id, now=now)
    finally:
        store.close()
    (record,) = caplog.records
    expected = f"delivered alert #{delivery.id} (article {saved.article_id}) to alerts"
    assert record.getMessage() == expected
    assert record.channel == "alerts"  # type: ignore[attr-defined]
