"""Plain data types of an alert and of the outbox, and the storage interface the dispatcher needs.

An :class:`Alert` is one article with the matches that made it matter; a :class:`Delivery` is one
outbox row: that alert for one channel. The outbox part of the service's store
(``scheduler.store.outbox``) implements :class:`OutboxStore` (synchronous, thread-safe; the
dispatcher calls it through ``asyncio.to_thread``). A delivery's alert carries the delivery's id
(``Alert.delivery_id``, set by whoever loads the row), so a channel can name the row in what it
sends (Slack's buttons): the notifier only ever sees the alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from crawler.matching.types import Match

DeliveryStatus = Literal["pending", "sent", "failed"]
StoryEvent = Literal["new", "update"]


@dataclass(frozen=True, slots=True)
class Outlet:
    """One report of a story: the source that carried it and its link."""

    source: str
    url: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class StoryRef:
    """The story an alert belongs to, as the channel needs it.

    ``event`` is ``"new"`` for the story's first alert on the channel and ``"update"`` for a
    later report. ``material`` says what the report changes (a new status, amount or party);
    ``thread`` is the channel's reference of the story's first message (Slack: ``"C… ts"``),
    set when the update is to be threaded under it; ``parent_failed`` when that first message
    never went out (the update is then sent as an alert of its own).
    """

    id: int
    event: StoryEvent = "new"
    outlets: tuple[Outlet, ...] = ()
    material: bool = False
    threaded: bool = False
    thread: str | None = None
    parent_failed: bool = False


@dataclass(frozen=True, slots=True)
class Alert:
    """One article and the matches (best first) that made it matter."""

    article_id: int
    title: str
    url: str
    source: str
    published: datetime | None
    matches: tuple[Match, ...]
    story: StoryRef | None = None
    # The outbox row this alert goes out as, when known: Slack's feedback buttons name it so a
    # press finds its delivery. Not part of the alert's identity.
    delivery_id: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Notice:
    """A plain operational message (a source failing or recovering, a rejected config edit)."""

    text: str
    channel: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox row: an alert for one channel."""

    id: int
    channel: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    alert: Alert
    last_error: str | None = None
    sent_at: datetime | None = None


class OutboxStore(Protocol):
    """The outbox operations the dispatcher and the ``alerts`` commands need."""

    def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int, channel: str | None = None
    ) -> list[Delivery]:
        """Claim up to ``limit`` pending rows due at ``now`` whose lease is free (oldest first).

        Claimed rows are leased until ``lease_until``: another dispatcher skips them, and a row
        whose claimant crashed becomes due again when the lease runs out.
        """

    def mark_sent(self, delivery_id: int, *, now: datetime, ref: str | None = None) -> None:
        """Record a send; ``ref`` is the channel's reference of the message (Slack's ts)."""

    def mark_retry(self, delivery_id: int, *, next_attempt_at: datetime, error: str) -> None:
        """Release the lease, count the attempt, and make the row due again later."""

    def mark_failed(self, delivery_id: int, *, now: datetime, error: str) -> None:
        """Give up on the row (permanent error or retry window over); counts the attempt."""

    def release(self, delivery_ids: Sequence[int]) -> None:
        """Release leases without counting an attempt (held by quiet hours, shutdown)."""

    def sent_count_since(self, channel: str, since: datetime) -> int:
        """Deliveries marked sent on ``channel`` since ``since`` (storm protection)."""

    def list_deliveries(self, status: DeliveryStatus, limit: int = 100) -> list[Delivery]: ...

    def retry_failed(self, delivery_ids: Sequence[int] | None = None) -> int:
        """Make failed rows pending again (all when ``delivery_ids`` is None); returns how many."""

    def outbox_counts(self) -> dict[str, int]:
        """Counts by status: ``{"pending": n, "sent": n, "failed": n}``."""
