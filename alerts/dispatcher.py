"""The outbox dispatcher: claims due delivery rows, sends them through each channel's notifier
and records the outcome, so that every match reaches every channel at least once.

One :meth:`Dispatcher.run_once` handles every enabled channel concurrently and independently (a
failing channel never blocks another). Per channel it applies, in order: quiet hours (rows are
held, not claimed), a pause after a temporary failure, digest mode (one message per period),
storm protection (over ``storm_max`` messages in ``storm_window`` the rest fold into one message),
and the rate limit. A claimed row that a reader's mute or snooze holds (:mod:`alerts.feedback`,
when the store keeps them) is put off until the hold expires or is lifted, never dropped. Rows
are sent one at a time and marked sent right after, so a crash between
send and mark repeats at most the one alert in flight per channel; rows claimed but not sent come
back when their lease runs out. Temporary errors retry with exponential backoff and jitter
(``Retry-After`` wins when given) until the channel's ``retry_for`` window is over (and at
least ``MIN_ATTEMPTS`` were made); permanent errors fail the row at once. Every store call runs
in a thread (the store is synchronous). Pacing state (pauses, rate slots, the last storm fold)
lives in memory: a restart only makes the first run less patient.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from alerts.channels import ChannelConfig
from alerts.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from alerts.feedback import HoldStore, holding
from alerts.model import Alert, Delivery, OutboxStore
from alerts.notifier import Notifier
from alerts.registry import build_notifier
from alerts.render import Digest, one_per_story
from crawler.retry_after import MAX_RETRY_AFTER

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_BATCH = 50
DEFAULT_BACKOFF_BASE = timedelta(seconds=30)
DEFAULT_BACKOFF_MAX = timedelta(hours=1)
# Attempts a row always gets before the retry window can fail it: after a day of downtime, or
# after `newswatch alerts retry` of an old row, one passing blip must not fail it at once.
MIN_ATTEMPTS = 3
DEFAULT_MAX_PER_RUN = 1000  # per channel and run, so one busy channel cannot make a run endless
# A rate-limited channel with a backlog stops its run after this long, so that a scheduler
# calling run_once on a cadence picks up new rows on the other channels soon. None: drain.
DEFAULT_RUN_BUDGET = timedelta(seconds=30)


def utc_now() -> datetime:
    """The default clock: aware UTC now."""
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(slots=True)
class DispatchStats:
    """What one :meth:`Dispatcher.run_once` did."""

    sent: int = 0  # deliveries marked sent
    messages: int = 0  # messages that went out (a digest is one message for many deliveries)
    retried: int = 0  # deliveries rescheduled after a temporary error
    failed: int = 0  # deliveries given up (permanent error or retry window over)
    held: int = 0  # deliveries claimed and put back (digest not due, storm hold, lease end)
    on_hold: int = 0  # deliveries put off by a reader's mute or snooze
    folded: int = 0  # deliveries sent inside a storm digest
    quiet: list[str] = field(default_factory=list)  # channels in quiet hours
    errors: dict[str, str] = field(default_factory=dict)  # channel -> last error

    def add(self, other: DispatchStats) -> None:
        """Accumulate ``other`` into this one (loops, benchmarks)."""
        self.sent += other.sent
        self.messages += other.messages
        self.retried += other.retried
        self.failed += other.failed
        self.held += other.held
        self.on_hold += other.on_hold
        self.folded += other.folded
        self.quiet.extend(c for c in other.quiet if c not in self.quiet)
        self.errors.update(other.errors)


class Dispatcher:
    """Delivers the outbox. Build one per (config load); call :meth:`run_once` on a cadence."""

    def __init__(
        self,
        store: OutboxStore,
        channels: Mapping[str, ChannelConfig] | Sequence[ChannelConfig],
        *,
        clock: Callable[[], datetime] = utc_now,
        lease: timedelta = DEFAULT_LEASE,
        batch_size: int = DEFAULT_BATCH,
        backoff_base: timedelta = DEFAULT_BACKOFF_BASE,
        backoff_max: timedelta = DEFAULT_BACKOFF_MAX,
        max_per_run: int = DEFAULT_MAX_PER_RUN,
        run_budget: timedelta | None = DEFAULT_RUN_BUDGET,
        notifiers: Mapping[str, Notifier] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if isinstance(channels, Mapping):
            self.channels: dict[str, ChannelConfig] = dict(channels)
        else:
            self.channels = {c.name: c for c in channels}
        self.store = store
        # Readers' mutes and snoozes, when the store keeps them (the service's store does).
        self.holds: HoldStore | None = store if isinstance(store, HoldStore) else None
        self.clock = clock
        self.lease = lease
        self.batch_size = max(batch_size, 1)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_per_run = max(max_per_run, 1)
        self.run_budget = run_budget
        self._notifiers: dict[str, Notifier] = dict(notifiers or {})
        self._rng = rng or random.Random()
        # In-memory pacing state; losing it on restart only makes the first run less patient.
        self._paused_until: dict[str, datetime] = {}
        self._next_slot: dict[str, float] = {}  # monotonic time of the next allowed send
        self._last_fold: dict[str, datetime] = {}
        self._failures: dict[str, int] = {}  # consecutive temporary failures per channel

    # -- lifecycle ---------------------------------------------------------------------------

    def notifier(self, name: str) -> Notifier:
        """The notifier of channel ``name`` (built on first use)."""
        if name not in self._notifiers:
            self._notifiers[name] = build_notifier(self.channels[name])
        return self._notifiers[name]

    async def aclose(self) -> None:
        """Close every notifier's connections."""
        for notifier in self._notifiers.values():
            try:
                await notifier.aclose()
            except Exception:
                log.debug("closing a notifier failed", exc_info=True)
        self._notifiers.clear()

    async def __aenter__(self) -> Dispatcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- the run -----------------------------------------------------------------------------

    async def run_once(self) -> DispatchStats:
        """Deliver what is due on every enabled channel; never raises for one channel's trouble."""
        stats = DispatchStats()
        names = [n for n, c in self.channels.items() if c.enabled]
        results = await asyncio.gather(
            *(self._run_channel(name) for name in names), return_exceptions=True
        )
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                log.error("channel %s: dispatch failed: %s", name, result, exc_info=result)
                stats.errors[name] = f"{type(result).__name__}: {result}"
            else:
                stats.add(result)
        return stats

    async def run_channel(self, name: str) -> DispatchStats:
        """:meth:`run_once` for channel ``name`` only (a cluster runs one job per channel)."""
        stats = DispatchStats()
        cfg = self.channels.get(name)
        if cfg is None or not cfg.enabled:
            return stats
        try:
            return await self._run_channel(name)
        except Exception as exc:
            log.error("channel %s: dispatch failed: %s", name, exc, exc_info=exc)
            stats.errors[name] = f"{type(exc).__name__}: {exc}"
            return stats

    async def _store(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    def _now(self) -> datetime:
        return _aware(self.clock())

    async def _run_channel(self, name: str) -> DispatchStats:
        cfg = self.channels[name]
        stats = DispatchStats()
        now = self._now()
        if cfg.in_quiet_hours(now):
            stats.quiet.append(name)
            return stats  # held: the rows stay pending and unclaimed until the quiet hours end
        paused = self._paused_until.get(name)
        if paused is not None and now < paused:
            return stats
        if cfg.digest is not None:
            await self._run_digest(cfg, stats)
        else:
            await self._run_stream(cfg, stats)
        return stats

    async def _claim(
        self, name: str, limit: int, stats: DispatchStats
    ) -> tuple[list[Delivery], datetime]:
        """Claim due rows of channel ``name``; rows a reader's hold keeps back are put off (and
        more claimed in their place)."""
        while True:
            now = self._now()
            lease_until = now + self.lease
            rows = await self._store(
                self.store.claim_due, now=now, lease_until=lease_until, limit=limit, channel=name
            )
            if not rows or self.holds is None:
                return rows, lease_until
            free = await self._put_off(name, rows, now, stats)
            if free or len(rows) < limit:
                return free, lease_until

    async def _put_off(
        self, name: str, rows: list[Delivery], now: datetime, stats: DispatchStats
    ) -> list[Delivery]:
        """The rows no active hold of the channel keeps back; the others are put off."""
        assert self.holds is not None
        active = await self._store(self.holds.active_holds, now=now, channel=name)
        if not active:
            return rows
        free: list[Delivery] = []
        held = []
        for row in rows:
            hold = holding(active, row.alert)
            if hold is None:
                free.append(row)
            else:
                held.append((row.id, hold))
                log.info(
                    "channel %s: alert #%d held by %s #%d (%s) until %s",
                    name,
                    row.id,
                    hold.kind,
                    hold.id,
                    hold.label,
                    hold.expires_at.isoformat(),
                    extra={"delivery_id": row.id, "channel": name, "hold_id": hold.id},
                )
        if held:
            await self._store(self.holds.hold_deliveries, held)
            stats.on_hold += len(held)
        return free

    def _batch_limit(self, cfg: ChannelConfig) -> int:
        rate = cfg.messages_per_second
        if rate <= 0:
            return self.batch_size
        # Claim no more than half a lease's worth at this rate, so leases never run out mid-batch.
        return max(1, min(self.batch_size, int(self.lease.total_seconds() * rate / 2)))

    async def _run_stream(self, cfg: ChannelConfig, stats: DispatchStats) -> None:
        handled = 0
        started = time.monotonic()
        budget = self.run_budget.total_seconds() if self.run_budget is not None else None
        while handled < self.max_per_run:
            rows, lease_until = await self._claim(cfg.name, self._batch_limit(cfg), stats)
            if not rows:
                return
            handled += len(rows)
            allowed = len(rows)
            if cfg.storm_max is not None:
                since = self._now() - cfg.storm_window
                recent = await self._store(self.store.sent_count_since, cfg.name, since)
                allowed = max(cfg.storm_max - recent, 0)
            singles, rest = rows[:allowed], rows[allowed:]
            for i, row in enumerate(singles):
                over_budget = budget is not None and time.monotonic() - started >= budget
                if over_budget or self._now() >= lease_until - self.lease / 10:
                    # Out of time, or our lease is ending (then another dispatcher may take the
                    # rows): give the rest back for the next run.
                    await self._release(singles[i:] + rest, stats)
                    return
                await self._pace(cfg)
                if not await self._deliver(cfg, [row], row.alert, stats):
                    await self._release(singles[i + 1 :] + rest, stats)
                    return
            if rest:
                await self._fold_storm(cfg, rest, stats)
                return
            if len(rows) < self._batch_limit(cfg):
                return

    async def _fold_storm(
        self, cfg: ChannelConfig, rows: list[Delivery], stats: DispatchStats
    ) -> None:
        now = self._now()
        last = self._last_fold.get(cfg.name)
        if last is not None and now - last < cfg.storm_window:
            await self._release(rows, stats)  # one storm message per window; the rest wait
            return
        # Fold everything due now into the one message, not just this batch.
        while len(rows) < self.max_per_run:
            more, _ = await self._claim(cfg.name, self.batch_size, stats)
            rows.extend(more)
            if len(more) < self.batch_size:
                break
        digest = Digest(
            channel=cfg.name,
            alerts=one_per_story(r.alert for r in rows),
            reason="storm",
            since=min(_aware(r.created_at) for r in rows),
            until=now,
        )
        await self._pace(cfg)
        if await self._deliver(cfg, rows, digest, stats):
            self._last_fold[cfg.name] = now
            stats.folded += len(rows)

    async def _run_digest(self, cfg: ChannelConfig, stats: DispatchStats) -> None:
        assert cfg.digest is not None
        rows: list[Delivery] = []
        while len(rows) < self.max_per_run:
            more, _ = await self._claim(cfg.name, self.batch_size, stats)
            rows.extend(more)
            if len(more) < self.batch_size:
                break
        if not rows:
            return
        now = self._now()
        oldest = min(_aware(r.created_at) for r in rows)
        if now < oldest + cfg.digest:
            await self._release(rows, stats)  # the period that began with the oldest is not over
            return
        digest = Digest(
            channel=cfg.name,
            alerts=one_per_story(r.alert for r in rows),
            since=oldest,
            until=now,
        )
        await self._pace(cfg)
        await self._deliver(cfg, rows, digest, stats)

    async def _pace(self, cfg: ChannelConfig) -> None:
        rate = cfg.messages_per_second
        if rate <= 0:
            return
        now = time.monotonic()
        slot = self._next_slot.get(cfg.name, now)
        if slot > now:
            await asyncio.sleep(slot - now)
        self._next_slot[cfg.name] = max(slot, now) + 1.0 / rate

    async def _release(self, rows: Sequence[Delivery], stats: DispatchStats) -> None:
        if rows:
            await self._store(self.store.release, [r.id for r in rows])
            stats.held += len(rows)

    async def _deliver(
        self,
        cfg: ChannelConfig,
        rows: Sequence[Delivery],
        message: Alert | Digest,
        stats: DispatchStats,
    ) -> bool:
        """Send one message for ``rows`` and record the outcome; False when the channel should
        stop for this run (a temporary failure)."""
        try:
            ref = await self.notifier(cfg.name).send(message)
        except PermanentDeliveryError as exc:
            await self._fail(rows, str(exc), stats)
            stats.errors[cfg.name] = str(exc)
            log.error("channel %s: delivery failed for good: %s", cfg.name, exc)
            return True
        except TemporaryDeliveryError as exc:
            await self._retry(cfg, rows, str(exc), exc.retry_after, stats)
            return False
        except DeliveryError as exc:
            await self._retry(cfg, rows, str(exc), None, stats)
            return False
        except Exception as exc:
            log.exception("channel %s: notifier raised unexpectedly", cfg.name)
            await self._retry(cfg, rows, f"{type(exc).__name__}: {exc}", None, stats)
            return False
        # Shielded: once the message is out, recording it is what keeps duplicates at one.
        # Only a single alert's reference is kept: a story's later reports thread under it.
        single = ref if isinstance(message, Alert) and len(rows) == 1 else None
        await asyncio.shield(self._mark_sent(rows, single))
        self._failures.pop(cfg.name, None)
        stats.sent += len(rows)
        stats.messages += 1
        return True

    async def _mark_sent(self, rows: Sequence[Delivery], ref: str | None = None) -> None:
        now = self._now()

        def mark() -> None:
            for row in rows:
                self.store.mark_sent(row.id, now=now, ref=ref)

        await asyncio.to_thread(mark)

    async def _fail(self, rows: Sequence[Delivery], error: str, stats: DispatchStats) -> None:
        now = self._now()

        def mark() -> None:
            for row in rows:
                self.store.mark_failed(row.id, now=now, error=error)

        await asyncio.to_thread(mark)
        stats.failed += len(rows)

    def backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        """The wait before the next attempt: ``Retry-After`` (plus up to 10% jitter) when given,
        else exponential from ``backoff_base`` with equal jitter, capped at ``backoff_max``."""
        # Notifiers hand over whatever the service said: a value no parser bounded (inf, nan,
        # 1e20) must neither overflow the date sums below nor park a row for centuries.
        if retry_after is not None and math.isfinite(retry_after):
            wait = min(max(retry_after, 0.0), MAX_RETRY_AFTER)
            return timedelta(seconds=wait * (1 + self._rng.uniform(0, 0.1)))
        ceiling = min(
            self.backoff_max.total_seconds(),
            self.backoff_base.total_seconds() * (2 ** min(attempts, 30)),
        )
        return timedelta(seconds=ceiling / 2 + self._rng.uniform(0, ceiling / 2))

    async def _retry(
        self,
        cfg: ChannelConfig,
        rows: Sequence[Delivery],
        error: str,
        retry_after: float | None,
        stats: DispatchStats,
    ) -> None:
        now = self._now()
        stats.errors[cfg.name] = error
        failures = self._failures.get(cfg.name, 0)
        self._failures[cfg.name] = failures + 1
        plan: list[tuple[Delivery, datetime | None]] = []
        # A channel that is down is down for every row: back off on the channel's streak too,
        # so the next rows in line do not each start again from the shortest wait.
        streak = max(failures, *(r.attempts for r in rows))
        try:
            wait = self.backoff(streak, retry_after)
        except Exception:
            # A failed send must always count its attempt and release the lease, or the rows
            # stay leased with no attempt counted and are re-sent every lease forever.
            log.exception("channel %s: planning the retry failed; using the backoff", cfg.name)
            wait = self.backoff(streak, None)
        for row in rows:
            deadline = _aware(row.created_at) + cfg.retry_for
            if now >= deadline and row.attempts + 1 >= MIN_ATTEMPTS:
                plan.append((row, None))
            elif now >= deadline:
                plan.append((row, now + wait))
            else:
                plan.append((row, min(now + wait, deadline)))
        given_up = sum(1 for _, at in plan if at is None)
        window = cfg.retry_for

        def mark() -> None:
            for row, at in plan:
                if at is None:
                    self.store.mark_failed(
                        row.id, now=now, error=f"gave up after {window}: {error}"
                    )
                else:
                    self.store.mark_retry(row.id, next_attempt_at=at, error=error)

        await asyncio.to_thread(mark)
        stats.failed += given_up
        stats.retried += len(plan) - given_up
        # Nothing more on this channel before the wait is over (the service may have said when),
        # but never past a row's last attempt at the end of its retry window.
        planned = [at for _, at in plan if at is not None]
        self._paused_until[cfg.name] = min(planned) if planned else now
        log.warning(
            "channel %s: temporary failure (%s); %d to retry, %d given up",
            cfg.name,
            error,
            len(plan) - given_up,
            given_up,
        )
