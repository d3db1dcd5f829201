"""The service's Prometheus metrics, in a registry the service owns.

No global registry, so tests and several services in one process never collide; the health server
(:mod:`scheduler.health_server`) exposes it as ``/metrics``.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
    generate_latest,
)

from alerts.slack_listener import RESULTS as FEEDBACK_RESULTS
from crawler.crawl_summary import CrawlSummary
from scheduler.store import SourceState

# Label values known up front: their series exist at 0 from the start, so a rate() or an alert
# rule sees the first event instead of a series that appears out of nowhere.
# "on_hold": put off by a reader's mute or snooze (alerts.feedback), to be sent when it ends.
DELIVERY_RESULTS = ("sent", "retried", "failed", "on_hold")
OUTBOX_STATUSES = ("pending", "sent", "failed")
RELOAD_RESULTS = ("applied", "rejected")


class Metrics:
    """The service's Prometheus metrics."""

    def __init__(self) -> None:
        # The *_created series double every counter for a timestamp nobody graphs. The switch is
        # process-wide in prometheus_client; nothing else in the process exports metrics.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        r = self.registry
        self.build = Info("newswatch_build", "The running newswatch", registry=r)
        self.build.info({"version": _version(), "python": platform.python_version()})
        self.fetches = Counter(
            "newswatch_fetches", "HTTP requests made by crawls", ["source"], registry=r
        )
        self.errors = Counter("newswatch_errors", "Crawl errors", ["source"], registry=r)
        self.not_modified = Counter(
            "newswatch_not_modified", "Feed or sitemap answered 304", ["source"], registry=r
        )
        self.new_articles = Counter(
            "newswatch_new_articles", "Articles stored", ["source"], registry=r
        )
        self.duplicates = Counter(
            "newswatch_duplicates", "Duplicate articles linked", ["source"], registry=r
        )
        self.matches = Counter("newswatch_matches", "Watchlist matches", ["source"], registry=r)
        self.crawl_seconds = Histogram(
            "newswatch_crawl_duration_seconds",
            "Duration of one crawl",
            ["source"],
            registry=r,
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
        )
        self.last_success = Gauge(
            "newswatch_source_last_success_timestamp_seconds",
            "Unix time of the last successful crawl",
            ["source"],
            registry=r,
        )
        self.source_failing = Gauge(
            "newswatch_source_failing",
            "1 while the source counts as failing",
            ["source"],
            registry=r,
        )
        self.deliveries = Counter(
            "newswatch_deliveries", "Outbox deliveries by outcome", ["result"], registry=r
        )
        self.outbox = Gauge("newswatch_outbox", "Outbox rows by status", ["status"], registry=r)
        self.job_errors = Counter(
            "newswatch_job_errors",
            "Scheduler jobs that failed or missed",
            ["job", "kind"],
            registry=r,
        )
        self.config_reloads = Counter(
            "newswatch_config_reloads", "Config reloads by result", ["result"], registry=r
        )
        self.ops_notices = Counter(
            "newswatch_ops_notices", "Notices sent to the ops channel", registry=r
        )
        self.feedback_presses = Counter(
            "newswatch_slack_feedback",
            "Slack feedback envelopes: accepted, or why they were refused",
            ["result"],
            registry=r,
        )

        for result in DELIVERY_RESULTS:
            self.deliveries.labels(result=result)
        for status in OUTBOX_STATUSES:
            self.outbox.labels(status=status)
        for result in RELOAD_RESULTS:
            self.config_reloads.labels(result=result)
        for result in FEEDBACK_RESULTS:
            self.feedback_presses.labels(result=result)

    def add_sources(self, names: Iterable[str]) -> None:
        """Create every per-source series at 0 (at start, and for sources a reload adds)."""
        for name in names:
            for family in (
                self.fetches,
                self.errors,
                self.not_modified,
                self.new_articles,
                self.duplicates,
                self.matches,
            ):
                family.labels(source=name)
            self.source_failing.labels(source=name)

    def observe_crawl(self, s: CrawlSummary) -> None:
        src = s.source
        self.fetches.labels(source=src).inc(s.requests)
        self.errors.labels(source=src).inc(s.errors)
        self.not_modified.labels(source=src).inc(s.not_modified)
        self.new_articles.labels(source=src).inc(s.new_articles)
        self.duplicates.labels(source=src).inc(s.duplicates)
        self.matches.labels(source=src).inc(s.matches)
        self.crawl_seconds.labels(source=src).observe((s.finished - s.started).total_seconds())

    def observe_dispatch(self, stats: Any) -> None:
        for result in DELIVERY_RESULTS:
            value = getattr(stats, result, 0)
            if value:
                self.deliveries.labels(result=result).inc(value)

    def source_last_success(self, state: SourceState) -> None:
        if state.last_success is not None:
            self.last_success.labels(source=state.name).set(state.last_success.timestamp())

    def render(self) -> bytes:
        text: bytes = generate_latest(self.registry)
        return text


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newswatch")
    except PackageNotFoundError:
        return "unknown"
