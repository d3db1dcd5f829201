"""Source health as pure functions: when a source fails, recovers, and how far it backs off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.sources import Source, format_duration
from scheduler.config import ServiceOptions
from scheduler.source_health import SourceHealth, failing_reason, poll_interval
from scheduler.store import SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OPTIONS = ServiceOptions(failing_after=3, stale_factor=8, max_backoff=timedelta(hours=1))
SOURCE = Source.model_validate({"name": "tc", "feed": "https://example.org/feed", "every": "5m"})


def test_consecutive_errors_make_a_source_failing() -> None:
    state = SourceState(name="tc", consecutive_failures=2, last_error="HTTP 503")
    assert failing_reason(SOURCE, state, OPTIONS, NOW) is None
    state.consecutive_failures = 3
    assert failing_reason(SOURCE, state, OPTIONS, NOW) == "3 consecutive errors (last: HTTP 503)"


def test_a_source_that_went_quiet_is_failing() -> None:
    quiet = SourceState(name="tc", items_seen=0, last_items_at=NOW - timedelta(hours=3))
    assert failing_reason(SOURCE, quiet, OPTIONS, NOW) == "no items for 3h (usually some every 5m)"
    recent = SourceState(name="tc", items_seen=0, last_items_at=NOW - timedelta(minutes=39))
    assert failing_reason(SOURCE, recent, OPTIONS, NOW) is None
    listing = SourceState(name="tc", items_seen=4, last_items_at=NOW - timedelta(hours=3))
    assert failing_reason(SOURCE, listing, OPTIONS, NOW) is None


def test_backoff_doubles_per_failure_up_to_the_maximum() -> None:
    def interval(failures: int, failing: bool = True) -> timedelta:
        return poll_interval(SOURCE, OPTIONS, failing=failing, failures=failures)

    assert interval(5, failing=False) == timedelta(minutes=5)
    assert interval(3) == timedelta(minutes=10)
    assert interval(4) == timedelta(minutes=20)
    assert interval(9) == timedelta(hours=1)


def test_health_reports_each_change_once() -> None:
    health = SourceHealth(OPTIONS)
    broken = SourceState(name="tc", consecutive_failures=3, last_error="boom")
    assert health.observe(SOURCE, broken, NOW)[0] == "failing"
    broken.consecutive_failures = 4
    assert health.observe(SOURCE, broken, NOW) == (None, "4 consecutive errors (last: boom)")
    assert health.interval(SOURCE) == timedelta(minutes=20)
    assert health.observe(SOURCE, SourceState(name="tc"), NOW) == ("recovered", None)
    assert health.observe(SOURCE, SourceState(name="tc"), NOW) == (None, None)
    assert health.interval(SOURCE) == timedelta(minutes=5)


def test_a_stored_failing_status_is_remembered() -> None:
    health = SourceHealth(OPTIONS)
    health.load(SourceState(name="tc", status="failing", consecutive_failures=3))
    assert "tc" in health.failing
    assert health.observe(SOURCE, SourceState(name="tc"), NOW)[0] == "recovered"


def test_durations_are_written_the_way_the_config_takes_them() -> None:
    assert format_duration(300) == "5m"
    assert format_duration(90) == "90s"
    assert format_duration(timedelta(days=2)) == "2d"
    assert format_duration(timedelta(hours=3, minutes=12), exact=False) == "3h"
    assert format_duration(42.0, exact=False) == "42s"
