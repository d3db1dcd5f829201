"""APScheduler jobs of the service: one crawl job per enabled source, and the interval jobs.

Every job gets an explicit id, ``coalesce=True``, ``max_instances=1`` and a misfire grace time of
one interval. A source's crawl job runs at the interval its health allows
(:mod:`scheduler.source_health`), with jitter, and after a restart not before its next due time.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.sources import Source, format_duration
from scheduler.source_health import SourceHealth
from scheduler.store import SourceState

logger = logging.getLogger("newswatch")

SOURCE_JOB = "source:"


def source_job_id(name: str) -> str:
    """The APScheduler id of a source's crawl job."""
    return SOURCE_JOB + name


def add_interval_job(
    scheduler: AsyncIOScheduler, job_id: str, func: Callable[[], Awaitable[Any]], seconds: float
) -> None:
    """Run ``func`` every ``seconds`` under ``job_id`` (replacing a job of that id)."""
    scheduler.add_job(
        func,
        IntervalTrigger(seconds=seconds, timezone=UTC),
        id=job_id,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=max(int(seconds), 1),
        replace_existing=True,
    )


class SourceCadence:
    """The crawl jobs of the sources, each calling ``crawl(source_name)``."""

    def __init__(
        self,
        scheduler: AsyncIOScheduler,
        health: SourceHealth,
        crawl: Callable[[str], Awaitable[None]],
        *,
        jitter: float,
    ) -> None:
        self.scheduler = scheduler
        self.health = health
        self.crawl = crawl
        self.jitter = jitter  # fraction of a source's interval

    def schedule(self, source: Source, state: SourceState | None) -> None:
        """(Re)schedule a source's crawl; after a restart, not before its next due time."""
        if state is not None:
            self.health.failures[source.name] = state.consecutive_failures
        every = self.health.interval(source).total_seconds()
        jitter = every * self.jitter
        first = datetime.now(UTC) + timedelta(seconds=random.uniform(0, min(jitter, 5.0)))
        if state is not None and state.last_run is not None:
            due = state.last_run + timedelta(seconds=every)
            if due > first:
                first = due
        self.scheduler.add_job(
            self.crawl,
            IntervalTrigger(seconds=every, jitter=jitter or None, timezone=UTC),
            args=[source.name],
            id=source_job_id(source.name),
            name=f"crawl {source.name}",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(int(every), 1),
            next_run_time=first,
            replace_existing=True,
        )

    def reschedule(self, source: Source) -> None:
        """Move a source's job to the interval its health now allows (a no-op if unchanged)."""
        if not source.enabled:
            return
        job = self.scheduler.get_job(source_job_id(source.name))
        every = self.health.interval(source).total_seconds()
        if job is None or job.trigger.interval.total_seconds() == every:
            return
        jitter = every * self.jitter
        job.reschedule(IntervalTrigger(seconds=every, jitter=jitter or None, timezone=UTC))
        logger.info(
            "source %s now polled every %s", source.name, format_duration(every, exact=False)
        )

    def remove(self, name: str) -> None:
        """Drop the crawl job of source ``name`` (removed or disabled by a reload)."""
        if self.scheduler.get_job(source_job_id(name)):
            self.scheduler.remove_job(source_job_id(name))
