"""Source health, as pure functions of a source's state: failing or not, and how often to poll.

A source is *failing* after ``failing_after`` consecutive errors, or when it has listed no items
for ``stale_factor`` times its usual gap (a broken selector, a dead feed). A failing source is
polled less often, doubling per further failure up to ``max_backoff``. :class:`SourceHealth`
remembers which sources are failing and says when one changes side, so the service notifies ops
once per change; it does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from crawler.sources import Source, format_duration
from scheduler.config import ServiceOptions
from scheduler.store import SourceState

Change = Literal["failing", "recovered"]


def failing_reason(
    source: Source, state: SourceState, options: ServiceOptions, now: datetime
) -> str | None:
    """Why ``source`` counts as failing at ``now``, or None when it is healthy."""
    if state.consecutive_failures >= options.failing_after:
        return f"{state.consecutive_failures} consecutive errors (last: {state.last_error})"
    if state.last_items_at is not None and state.items_seen == 0:
        quiet = now - state.last_items_at
        if quiet > source.every * options.stale_factor:
            return (
                f"no items for {format_duration(quiet, exact=False)} "
                f"(usually some every {format_duration(source.every, exact=False)})"
            )
    return None


def poll_interval(
    source: Source, options: ServiceOptions, *, failing: bool, failures: int
) -> timedelta:
    """The source's poll interval, backed off while it is failing."""
    every = source.every.total_seconds()
    if failing and failures:
        over = max(failures - options.failing_after + 1, 1)
        every = min(every * 2**over, options.max_backoff.total_seconds())
    return timedelta(seconds=every)


@dataclass(slots=True)
class SourceHealth:
    """Which sources are failing, and their consecutive failures (for the backoff)."""

    options: ServiceOptions
    failing: set[str] = field(default_factory=set)
    failures: dict[str, int] = field(default_factory=dict)

    def load(self, state: SourceState) -> None:
        """Take a stored state as known (at start-up: a failing source stays failing)."""
        self.failures[state.name] = state.consecutive_failures
        if state.status == "failing":
            self.failing.add(state.name)

    def interval(self, source: Source) -> timedelta:
        """How often to poll ``source`` now."""
        return poll_interval(
            source,
            self.options,
            failing=source.name in self.failing,
            failures=self.failures.get(source.name, 0),
        )

    def observe(
        self, source: Source, state: SourceState, now: datetime
    ) -> tuple[Change | None, str | None]:
        """Update with ``state``; return the change (if the source changed side) and the reason."""
        self.failures[source.name] = state.consecutive_failures
        reason = failing_reason(source, state, self.options, now)
        was_failing = source.name in self.failing
        if reason is not None and not was_failing:
            self.failing.add(source.name)
            return "failing", reason
        if reason is None and was_failing:
            self.failing.discard(source.name)
            return "recovered", None
        return None, reason
