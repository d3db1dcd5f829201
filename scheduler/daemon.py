"""The service: ``newswatch run``. One process, one asyncio loop, driven by Scrapy's reactor.

:class:`Service` wires the plain jobs of :mod:`scheduler.jobs` to an APScheduler 3
``AsyncIOScheduler`` on the reactor's own loop: one crawl job per enabled source on its cadence
(with jitter, ``coalesce``, ``max_instances=1`` and a misfire grace time), the outbox dispatcher
(kicked after a crawl stores matches, and on a short interval for retries), retention cleanup and
source-health evaluation. It watches the config files and swaps in a valid edit atomically (a bad
one is logged with its file and line and the last good config stays), answers ``/healthz`` and
``/metrics``, and on SIGTERM/SIGINT lets in-flight crawls finish within a grace period, flushes the
dispatcher, closes the store and returns 0. A failing job logs one line and is counted; nothing a
source or a channel does can stop the service.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import signal
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from alerts.base import build_notifier
from alerts.dispatcher import Dispatcher
from alerts.model import Notice
from crawler.matching import Matcher
from crawler.records import SourceState
from crawler.run import CrawlSummary
from crawler.sources import Source
from scheduler.config import Config, load_config
from scheduler.errors import ConfigError
from scheduler.health import HealthServer, Metrics
from scheduler.jobs import Runtime, crawl_once
from scheduler.runtime import open_runtime

logger = logging.getLogger("newswatch")

CONFIG_POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 5.0
HEALTH_EVERY = timedelta(seconds=30)
RETENTION_EVERY = timedelta(hours=1)
SOURCE_JOB = "source:"


def source_job_id(name: str) -> str:
    return SOURCE_JOB + name


class Service:
    """The running newswatch daemon (call :meth:`run` inside the reactor's loop)."""

    def __init__(
        self,
        config: Config,
        *,
        overrides: Mapping[str, Any] | None = None,
        use_pool: bool = True,
        config_poll: float = CONFIG_POLL_SECONDS,
    ) -> None:
        self.config = config
        self.overrides = dict(overrides or {})
        self.use_pool = use_pool
        self.config_poll = config_poll
        self.metrics = Metrics()
        self.runtime: Runtime | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.dispatcher: Dispatcher | None = None
        self.health_server: HealthServer | None = None
        self._stop = asyncio.Event()
        self._reload = asyncio.Event()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._dispatch_lock = asyncio.Lock()
        self._dispatch_again = False
        self._failing: set[str] = set()  # sources that count as failing (persisted as status)
        self._failures: dict[str, int] = {}  # consecutive failures, for the backoff
        self._config_signature = self._signature(config)
        self._last_bad_config: str | None = None
        self.heartbeat = datetime.now(UTC)
        self._background: set[asyncio.Task[Any]] = set()

    # -- lifecycle -----------------------------------------------------------------------------

    async def run(self) -> int:
        """Run until SIGTERM/SIGINT (or :meth:`stop`); return the exit code."""
        loop = asyncio.get_running_loop()
        self._install_signals(loop)
        self._announce()
        self.runtime = open_runtime(self.config, use_pool=self.use_pool)
        if self.overrides:
            self.runtime = dataclasses.replace(self.runtime, overrides=self.overrides)
        self.dispatcher = self._build_dispatcher(self.config)
        self.scheduler = AsyncIOScheduler(event_loop=loop, timezone=UTC)
        self.scheduler.add_listener(self._on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        states = {s.name: s for s in await asyncio.to_thread(self.runtime.store.list_source_states)}
        for source in self.config.sources:
            if source.enabled:
                self._schedule_source(source, states.get(source.name))
            state = states.get(source.name)
            if state is not None and state.status == "failing":
                self._failing.add(source.name)
        every = self.config.service.dispatch_every.total_seconds()
        self._add_interval("dispatch", self._dispatch_job, every)
        self._add_interval("retention", self._retention_job, RETENTION_EVERY.total_seconds())
        self._add_interval("health", self._health_job, HEALTH_EVERY.total_seconds())
        self._add_interval("heartbeat", self._heartbeat_job, HEARTBEAT_SECONDS)
        self.scheduler.start()
        listen = self.config.service.health_listen
        if listen:
            self.health_server = HealthServer(listen, self)
            try:
                await self.health_server.start()
            except OSError as exc:  # in use, or an address this machine does not have
                self.health_server = None
                await self._shutdown()
                raise ConfigError(
                    f"cannot listen on {listen}: {exc.strerror or exc}",
                    path=self.config.path,
                    key="service.health_listen",
                ) from None
        watcher = asyncio.ensure_future(self._watch_config())
        self._kick_dispatch()
        try:
            await self._stop.wait()
        finally:
            watcher.cancel()
            await self._shutdown()
        return 0

    def stop(self) -> None:
        """Ask the service to shut down gracefully."""
        self._stop.set()

    def alive(self) -> bool:
        """For ``/healthz``: the scheduler runs and the loop answered a heartbeat lately."""
        if self.scheduler is None or not self.scheduler.running:
            return False
        age = (datetime.now(UTC) - self.heartbeat).total_seconds()
        return age < HEARTBEAT_SECONDS * 4

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_stop_signal, sig)
        loop.add_signal_handler(signal.SIGHUP, self._on_hup)

    def _on_stop_signal(self, sig: signal.Signals) -> None:
        logger.info("received %s: shutting down", sig.name)
        self._stop.set()

    def _on_hup(self) -> None:
        logger.info("received SIGHUP: reloading the config")
        self._spawn(self.reload())

    def _announce(self) -> None:
        c = self.config
        where = (
            "the bundled example config (no ./newswatch.toml; `newswatch init` writes one)"
            if c.bundled
            else str(c.path)
        )
        enabled = sum(1 for s in c.sources if s.enabled)
        logger.info("newswatch starting with %s", where)
        logger.info(
            "%d sources (%d enabled), watchlists: %s, channels: %s, database: %s",
            len(c.sources),
            enabled,
            ", ".join(w.name for w in c.watchlists) or "none",
            ", ".join(f"{ch.name} ({ch.kind})" for ch in c.channels),
            _redact(c.database_url),
        )

    async def _shutdown(self) -> None:
        grace = self.config.service.shutdown_grace.total_seconds()
        # Pause first: shutting APScheduler's asyncio executor down cancels the running jobs,
        # and in-flight crawls get their grace period before that.
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
        if self._in_flight:
            logger.info("waiting up to %gs for %d crawl(s) to finish", grace, len(self._in_flight))
            _done, pending = await asyncio.wait(self._in_flight, timeout=grace)
            for task in pending:
                task.cancel()
            if pending and self.runtime is not None:
                self.runtime.cancel_crawls()
            if pending:
                await asyncio.wait(pending, timeout=5)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in list(self._background):
            task.cancel()
        if self.dispatcher is not None:
            try:
                await asyncio.wait_for(self._dispatch(), timeout=grace)
            except Exception as exc:
                logger.warning("final dispatch did not finish: %s", exc)
            await self.dispatcher.aclose()
        if self.health_server is not None:
            await self.health_server.close()
        if self.runtime is not None:
            await asyncio.to_thread(self.runtime.close)
        logger.info("newswatch stopped")

    # -- scheduling ------------------------------------------------------------------------------

    def _add_interval(self, job_id: str, func: Any, seconds: float) -> None:
        assert self.scheduler is not None
        self.scheduler.add_job(
            func,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=job_id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(int(seconds), 1),
            replace_existing=True,
        )

    def _interval(self, source: Source) -> float:
        """The source's poll interval, backed off progressively while it is failing."""
        every = source.every.total_seconds()
        failures = self._failures.get(source.name, 0)
        if source.name in self._failing and failures:
            over = max(failures - self.config.service.failing_after + 1, 1)
            every = min(every * 2**over, self.config.service.max_backoff.total_seconds())
        return every

    def _schedule_source(self, source: Source, state: SourceState | None) -> None:
        """(Re)schedule a source's crawl; after a restart, not before its next due time."""
        assert self.scheduler is not None
        if state is not None:
            self._failures[source.name] = state.consecutive_failures
        every = self._interval(source)
        now = datetime.now(UTC)
        jitter = every * self.config.service.jitter
        first = now + timedelta(seconds=random.uniform(0, min(jitter, 5.0)))
        if state is not None and state.last_run is not None:
            due = state.last_run + timedelta(seconds=every)
            if due > first:
                first = due
        self.scheduler.add_job(
            self.crawl_job,
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

    def _on_job_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            logger.warning("job %s missed its run time", event.job_id)
            self.metrics.job_errors.labels(job=event.job_id, kind="missed").inc()
            return
        if isinstance(event.exception, asyncio.CancelledError):
            logger.info("job %s cancelled at shutdown", event.job_id)
            return
        logger.error("job %s failed: %s", event.job_id, event.exception)
        self.metrics.job_errors.labels(job=event.job_id, kind="error").inc()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- jobs --------------------------------------------------------------------------------------

    async def crawl_job(self, name: str) -> None:
        try:
            source = self.config.source(name)
        except KeyError:
            return  # removed by a reload a moment ago
        task = asyncio.current_task()
        assert task is not None and self.runtime is not None
        if self._stop.is_set():
            return
        # Concurrency is bounded by the runtime's batcher (max_concurrent_crawls batches).
        self._in_flight.add(task)
        try:
            summary = await crawl_once(self.runtime, source)
        finally:
            self._in_flight.discard(task)
        self.metrics.observe_crawl(summary)
        logger.info(
            "crawled %s: %d requests, %d not modified, %d new, %d duplicates, %d matches, "
            "%d errors%s",
            name,
            summary.requests,
            summary.not_modified,
            summary.new_articles,
            summary.duplicates,
            summary.matches,
            summary.errors,
            f" ({summary.error})" if summary.error else "",
        )
        await self._evaluate_source(source, summary)
        if summary.matches:
            self._kick_dispatch()

    def _kick_dispatch(self) -> None:
        """Deliver new matches now rather than on the next dispatcher tick."""
        self._spawn(self._dispatch())

    async def _dispatch_job(self) -> None:
        await self._dispatch()
        await self._update_outbox_metrics()

    async def _dispatch(self) -> None:
        if self.dispatcher is None:
            return
        if self._dispatch_lock.locked():
            self._dispatch_again = True  # a run is going on: make it go round once more
            return
        async with self._dispatch_lock:
            while True:
                self._dispatch_again = False
                stats = await self.dispatcher.run_once()
                self.metrics.observe_dispatch(stats)
                if not self._dispatch_again:
                    break

    async def _update_outbox_metrics(self) -> None:
        if self.runtime is None:
            return
        counts = await asyncio.to_thread(self.runtime.store.outbox_counts)
        for status, value in counts.items():
            self.metrics.outbox.labels(status=status).set(value)

    async def _retention_job(self) -> None:
        assert self.runtime is not None
        cutoff = datetime.now(UTC) - self.config.service.retention
        removed = await asyncio.to_thread(self.runtime.store.purge, cutoff)
        if any(removed.values()):
            logger.info("retention: removed %s", removed)

    async def _heartbeat_job(self) -> None:
        self.heartbeat = datetime.now(UTC)

    async def _health_job(self) -> None:
        """Catch sources that went quiet without failing (a broken selector, a dead feed)."""
        assert self.runtime is not None
        states = await asyncio.to_thread(self.runtime.store.list_source_states)
        for state in states:
            try:
                source = self.config.source(state.name)
            except KeyError:
                continue
            self.metrics.source_last_success(state)
            await self._apply_health(source, state)

    # -- source health -----------------------------------------------------------------------------

    async def _evaluate_source(self, source: Source, summary: CrawlSummary) -> None:
        assert self.runtime is not None
        state = await asyncio.to_thread(self.runtime.store.get_source_state, source.name)
        if state is None:
            return
        self._failures[source.name] = state.consecutive_failures
        self.metrics.source_last_success(state)
        await self._apply_health(source, state)

    def failing_reason(self, source: Source, state: SourceState) -> str | None:
        """Why ``source`` counts as failing now, or None when it is healthy."""
        opts = self.config.service
        if state.consecutive_failures >= opts.failing_after:
            return f"{state.consecutive_failures} consecutive errors (last: {state.last_error})"
        if state.last_items_at is not None and state.items_seen == 0:
            quiet = datetime.now(UTC) - state.last_items_at
            if quiet > source.every * opts.stale_factor:
                return f"no items for {_human(quiet)} (usually some every {_human(source.every)})"
        return None

    async def _apply_health(self, source: Source, state: SourceState) -> None:
        failing = source.name in self._failing
        reason = self.failing_reason(source, state)
        if reason is not None and not failing:
            self._failing.add(source.name)
            logger.warning("source %s is failing: %s", source.name, reason)
            await self._persist_status(state, "failing")
            await self.notify_ops(f"newswatch: source {source.name} is failing: {reason}")
            self._reschedule(source)
        elif reason is None and failing:
            self._failing.discard(source.name)
            logger.info("source %s recovered", source.name)
            await self._persist_status(state, "ok")
            await self.notify_ops(f"newswatch: source {source.name} recovered")
            self._reschedule(source)
        elif failing:
            self._reschedule(source)  # keep backing off as failures add up
        self.metrics.source_failing.labels(source=source.name).set(
            1 if source.name in self._failing else 0
        )

    async def _persist_status(self, state: SourceState, status: str) -> None:
        assert self.runtime is not None
        state.status = status
        await asyncio.to_thread(self.runtime.store.save_source_state, state)

    def _reschedule(self, source: Source) -> None:
        if self.scheduler is None or not source.enabled:
            return
        job = self.scheduler.get_job(source_job_id(source.name))
        every = self._interval(source)
        if job is None or job.trigger.interval.total_seconds() == every:
            return
        jitter = every * self.config.service.jitter
        job.reschedule(IntervalTrigger(seconds=every, jitter=jitter or None, timezone=UTC))
        logger.info("source %s now polled every %s", source.name, _human(timedelta(seconds=every)))

    async def notify_ops(self, text: str) -> None:
        """Send one notice to the ops channel (if one is configured); never raises."""
        name = self.config.service.ops_channel
        if not name:
            return
        channel = next((c for c in self.config.channels if c.name == name), None)
        if channel is None:
            return
        notifier = build_notifier(channel)
        try:
            await notifier.send(Notice(text=text, channel=name))
            self.metrics.ops_notices.inc()
        except Exception as exc:
            logger.error("could not notify ops channel %s: %s", name, exc)
        finally:
            await notifier.aclose()

    # -- live config -------------------------------------------------------------------------------

    @staticmethod
    def _signature(config: Config) -> tuple[tuple[str, int, int], ...]:
        """Stats of the config files and of every file in the watchlist folders."""
        paths: set[Path] = set(config.files)
        for f in config.files[1:]:
            paths.update(f.parent.glob("*.toml"))
        sig = []
        for p in sorted(paths):
            try:
                st = p.stat()
                sig.append((str(p), st.st_mtime_ns, st.st_size))
            except OSError:
                sig.append((str(p), 0, -1))
        return tuple(sig)

    async def _watch_config(self) -> None:
        if self.config.path is None or self.config.bundled:
            return
        while True:
            await asyncio.sleep(self.config_poll)
            try:
                sig = await asyncio.to_thread(self._signature, self.config)
            except Exception:
                continue
            if sig != self._config_signature:
                self._config_signature = sig
                try:
                    await self.reload()
                except Exception:  # the watcher must outlive any edit, whatever it breaks
                    logger.exception("config reload failed; still watching the config files")

    async def reload(self) -> bool:
        """Load and validate the config; swap it in if valid. Returns whether it was swapped."""
        path = self.config.path
        try:
            new = await asyncio.to_thread(load_config, None if self.config.bundled else path)
            # Build the matcher now: a watchlist it cannot compile is a rejected edit too.
            matcher = Matcher(new.watchlists) if new.watchlists != self.config.watchlists else None
        except Exception as exc:
            message = str(exc) if isinstance(exc, ConfigError) else f"{path}: {exc!r}"
            logger.error("config edit rejected, keeping the last good config: %s", message)
            self.metrics.config_reloads.labels(result="rejected").inc()
            if message != self._last_bad_config:
                self._last_bad_config = message
                await self.notify_ops(f"newswatch: config edit rejected: {message}")
            return False
        self._last_bad_config = None
        self._config_signature = self._signature(new)
        self._apply(new, matcher)
        self.metrics.config_reloads.labels(result="applied").inc()
        return True

    def _apply(self, new: Config, matcher: Matcher | None = None) -> None:
        old = self.config
        changes: list[str] = []
        if new.database_url != old.database_url:
            logger.warning("database_url changed: takes effect after a restart")
        if new.watchlists != old.watchlists:
            changes.append("watchlists: " + ", ".join(w.name for w in new.watchlists))
        if new.channels != old.channels:
            changes.append("channels: " + ", ".join(c.name for c in new.channels))
        assert self.runtime is not None
        self.runtime = dataclasses.replace(
            self.runtime,
            config=new,
            matcher=matcher
            if matcher is not None
            else (
                Matcher(new.watchlists)
                if new.watchlists != old.watchlists
                else self.runtime.matcher
            ),
        )
        self.config = new
        if new.channels != old.channels and self.dispatcher is not None:
            old_dispatcher = self.dispatcher
            self.dispatcher = self._build_dispatcher(new)
            self._spawn(old_dispatcher.aclose())
        old_sources = {s.name: s for s in old.sources if s.enabled}
        new_sources = {s.name: s for s in new.sources if s.enabled}
        assert self.scheduler is not None
        for name in old_sources.keys() - new_sources.keys():
            if self.scheduler.get_job(source_job_id(name)):
                self.scheduler.remove_job(source_job_id(name))
            changes.append(f"source {name} removed")
        for name, source in new_sources.items():
            if name not in old_sources:
                self._schedule_source(source, None)
                changes.append(f"source {name} added")
            elif source != old_sources[name]:
                self._schedule_source(source, None)
                changes.append(f"source {name} changed")
        logger.info("config reloaded: %s", "; ".join(changes) or "no effective change")

    def _build_dispatcher(self, config: Config) -> Dispatcher:
        assert self.runtime is not None
        return Dispatcher(self.runtime.store, config.channels)


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _redact(url: str) -> str:
    from scheduler.commands.check_config import redact

    return redact(url)


def run_service(config: Config, **kwargs: Any) -> int:
    """Run the service on Scrapy's asyncio reactor until it is told to stop."""
    from crawler import reactor

    service = Service(config, **kwargs)
    return reactor.run(service.run)
