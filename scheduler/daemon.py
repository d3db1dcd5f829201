"""The service: ``newswatch run``. One process, one asyncio loop, driven by Scrapy's reactor.

:class:`Service` wires the plain jobs of :mod:`scheduler.jobs` to an APScheduler 3
``AsyncIOScheduler`` on the reactor's own loop: one crawl job per enabled source on its cadence
(with jitter, ``coalesce``, ``max_instances=1`` and a misfire grace time), the outbox dispatcher
(kicked after a crawl stores matches, and on a short interval for retries), retention cleanup and
source-health evaluation, and hears the Slack channels' feedback buttons over Socket Mode
(:mod:`alerts.slack_listener`, when a channel has an app token). It watches the config files and
swaps in a valid edit atomically (a bad one is logged with its file and line and the last good
config stays), answers ``/healthz`` and ``/metrics``, and on SIGTERM/SIGINT lets in-flight crawls
finish within a grace period, flushes the dispatcher, closes the store and returns 0. A failing job
logs one line and is counted; nothing a source or a channel does can stop the service. The decisions
live elsewhere -- job set-up in :mod:`scheduler.cadence`, the pure :mod:`scheduler.source_health`
and :mod:`scheduler.config_watch`, dispatch coalescing in :mod:`scheduler.dispatch_kicks` and ops
notices in :mod:`scheduler.ops_notices` -- and this class wires them.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.dispatcher import Dispatcher
from alerts.feedback import FeedbackStore
from alerts.slack_listener import FeedbackListener
from crawler.crawl_summary import CrawlSummary
from crawler.matching import Matcher
from crawler.reactor import StopSignals
from crawler.sources import Source
from scheduler.cadence import SourceCadence, add_interval_job
from scheduler.config import Config, load_config
from scheduler.config_watch import ConfigDiff, config_signature, diff_configs
from scheduler.dispatch_kicks import DispatchKicks
from scheduler.errors import ConfigError
from scheduler.health_server import HealthServer, StoreHealth
from scheduler.jobs import crawl_and_record
from scheduler.logs import log_crawl
from scheduler.metrics import Metrics
from scheduler.ops_notices import RepeatFilter, ops_channel, send_ops_notice
from scheduler.runtime import Runtime, open_runtime
from scheduler.source_health import SourceHealth
from scheduler.store import SourceState, redact_url

logger = logging.getLogger("newswatch")

CONFIG_POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 5.0
# Seconds a crawl batch waits for more sources falling due: setting up a crawl costs more CPU than
# several 304s, and a poll a second late costs nothing on a cadence of minutes.
BATCH_WINDOW = 1.0
HEALTH_EVERY = timedelta(seconds=30)
RETENTION_EVERY = timedelta(hours=1)


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
        self.cadence: SourceCadence | None = None
        self.dispatcher: Dispatcher | None = None
        self.feedback: FeedbackListener | None = None  # Slack's buttons, heard over Socket Mode
        self.health_server: HealthServer | None = None
        self._stop = asyncio.Event()
        self._reload = asyncio.Event()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._dispatch_kicks = DispatchKicks(self._dispatch_pass)
        self.health = SourceHealth(config.service)
        self._config_signature = config_signature(config)
        self._rejected_edits = RepeatFilter()
        self.heartbeat = datetime.now(UTC)
        self.store_health = StoreHealth(timeout=HEARTBEAT_SECONDS)
        self._background: set[asyncio.Task[Any]] = set()

    # -- lifecycle -----------------------------------------------------------------------------

    async def run(self) -> int:
        """Run until SIGTERM/SIGINT (or :meth:`stop`); return the exit code."""
        loop = asyncio.get_running_loop()
        self._install_signals(loop)
        self._announce()
        self.runtime = open_runtime(
            self.config,
            use_pool=self.use_pool,
            overrides=self.overrides or None,
            batch_window=BATCH_WINDOW,
        )
        self.dispatcher = self._build_dispatcher(self.config)
        self.feedback = self._build_feedback(self.config)
        if self.feedback is not None:
            await self.feedback.start()
        self.scheduler = AsyncIOScheduler(event_loop=loop, timezone=UTC)
        self.scheduler.add_listener(self._on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        self.cadence = SourceCadence(
            self.scheduler, self.health, self.crawl_job, jitter=self.config.service.jitter
        )
        self.metrics.add_sources(s.name for s in self.config.sources if s.enabled)
        states = {s.name: s for s in await asyncio.to_thread(self.runtime.store.list_source_states)}
        await self._start_crawls(states)
        every = self.config.service.dispatch_every.total_seconds()
        add_interval_job(self.scheduler, "dispatch", self._dispatch_job, every)
        add_interval_job(
            self.scheduler, "retention", self._retention_job, RETENTION_EVERY.total_seconds()
        )
        add_interval_job(self.scheduler, "health", self._health_job, HEALTH_EVERY.total_seconds())
        add_interval_job(self.scheduler, "heartbeat", self._heartbeat_job, HEARTBEAT_SECONDS)
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
        """For ``/healthz``: the scheduler runs, the loop answered a heartbeat lately and the
        store answered the heartbeat's probe."""
        if self.scheduler is None or not self.scheduler.running:
            return False
        if self.store_health.problem is not None:
            return False
        age = (datetime.now(UTC) - self.heartbeat).total_seconds()
        return age < HEARTBEAT_SECONDS * 4

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        StopSignals(self._on_stop_signal, self._on_stop_again).install(loop)
        loop.add_signal_handler(signal.SIGHUP, self._on_hup)

    def _on_stop_signal(self, sig: signal.Signals) -> None:
        logger.info("received %s: shutting down (again to exit at once)", sig.name)
        self._stop.set()

    def _on_stop_again(self, sig: signal.Signals) -> None:
        # A second Ctrl-C means "now": skip the grace period. The outbox is durable and a cut
        # crawl is fetched again next time, so nothing is lost but the wait.
        logger.warning("received %s again: exiting now, without the grace period", sig.name)
        logging.shutdown()

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
            redact_url(c.database_url),
        )

    async def _start_crawls(self, states: Mapping[str, SourceState]) -> None:
        """Schedule a crawl job per enabled source (cluster mode starts its queue worker)."""
        assert self.cadence is not None
        for source in self.config.sources:
            if source.enabled:
                self.cadence.schedule(source, states.get(source.name))
            state = states.get(source.name)
            if state is not None:
                self.health.load(state)

    async def _shutdown(self) -> None:
        grace = self.config.service.shutdown_grace.total_seconds()
        # Pause first: shutting APScheduler's asyncio executor down cancels the running jobs,
        # and in-flight crawls get their grace period before that.
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
        await self._drain_crawls(grace)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in list(self._background):
            task.cancel()
        if self.feedback is not None:
            # Before the store closes: a press being stored gets a moment to finish.
            await self.feedback.aclose()
        if self.dispatcher is not None:
            try:
                await asyncio.wait_for(self._dispatch(), timeout=grace)
            except Exception as exc:
                logger.warning("final dispatch did not finish: %s", exc)
            await self.dispatcher.aclose()
        if self.health_server is not None:
            await self.health_server.close()
        await self._close_extras()
        if self.runtime is not None:
            await asyncio.to_thread(self.runtime.close)
        logger.info("newswatch stopped")

    async def _drain_crawls(self, grace: float) -> None:
        """Let in-flight crawls finish within ``grace`` seconds, then cancel the rest."""
        if self._in_flight:
            logger.info("waiting up to %gs for %d crawl(s) to finish", grace, len(self._in_flight))
            _done, pending = await asyncio.wait(self._in_flight, timeout=grace)
            for task in pending:
                task.cancel()
            if pending and self.runtime is not None:
                self.runtime.cancel_crawls()
            if pending:
                await asyncio.wait(pending, timeout=5)

    async def _close_extras(self) -> None:
        """Release what a subclass opened, before the store closes (nothing here)."""

    # -- scheduling ------------------------------------------------------------------------------

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
        if self._stop.is_set():
            return
        await self.crawl(source)

    async def crawl(self, source: Source) -> CrawlSummary:
        """Crawl ``source`` once: record it, count it, judge its health, kick the dispatcher."""
        task = asyncio.current_task()
        assert task is not None and self.runtime is not None
        # Concurrency is bounded by the runtime's batcher (max_concurrent_crawls batches).
        self._in_flight.add(task)
        try:
            summary, state = await crawl_and_record(self.runtime, source)
        finally:
            self._in_flight.discard(task)
        self.metrics.observe_crawl(summary)
        log_crawl(summary)
        await self._evaluate_source(source, state)
        if summary.matches:
            self._kick_dispatch()
        return summary

    def _kick_dispatch(self) -> None:
        """Deliver new matches now rather than on the next dispatcher tick."""
        self._spawn(self._dispatch())

    async def _dispatch_job(self) -> None:
        await self._dispatch()
        await self._update_outbox_metrics()

    async def _dispatch(self) -> None:
        if self.dispatcher is None:
            return
        await self._dispatch_kicks.kick()

    async def _dispatch_pass(self) -> None:
        assert self.dispatcher is not None  # read per pass: a reload may swap it
        stats = await self.dispatcher.run_once()
        self.metrics.observe_dispatch(stats)

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
        if self.runtime is not None:
            await self.store_health.check(self.runtime.store)

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

    async def _evaluate_source(self, source: Source, state: SourceState | None) -> None:
        """Health after a crawl, from the state its bookkeeping wrote (None: not recorded)."""
        if state is None:
            return
        self.metrics.source_last_success(state)
        await self._apply_health(source, state)

    async def _apply_health(self, source: Source, state: SourceState) -> None:
        change, reason = self.health.observe(source, state, datetime.now(UTC))
        if change == "failing":
            logger.warning("source %s is failing: %s", source.name, reason)
            if await self._persist_status(state, "failing"):
                await self.notify_ops(f"newswatch: source {source.name} is failing: {reason}")
        elif change == "recovered":
            logger.info("source %s recovered", source.name)
            if await self._persist_status(state, "ok"):
                await self.notify_ops(f"newswatch: source {source.name} recovered")
        if self.cadence is not None and (change is not None or source.name in self.health.failing):
            self.cadence.reschedule(source)  # keep backing off as failures add up
        self.metrics.source_failing.labels(source=source.name).set(
            1 if source.name in self.health.failing else 0
        )

    async def _persist_status(self, state: SourceState, status: str) -> bool:
        """Store the source's new status; return whether this service should tell ops."""
        assert self.runtime is not None
        state.status = status
        await asyncio.to_thread(self.runtime.store.save_source_state, state)
        return True

    async def notify_ops(self, text: str) -> None:
        """Send one notice to the ops channel (if one is configured); never raises."""
        channel = ops_channel(self.config.service.ops_channel, self.config.channels)
        if channel is not None and await send_ops_notice(channel, text):
            self.metrics.ops_notices.inc()

    # -- live config -------------------------------------------------------------------------------

    async def _watch_config(self) -> None:
        if self.config.path is None or self.config.bundled:
            return
        while True:
            await asyncio.sleep(self.config_poll)
            try:
                sig = await asyncio.to_thread(config_signature, self.config)
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
            if self._rejected_edits.is_new(message):
                await self.notify_ops(f"newswatch: config edit rejected: {message}")
            return False
        self._rejected_edits.reset()
        self._config_signature = config_signature(new)
        self._apply(new, matcher)
        self.metrics.config_reloads.labels(result="applied").inc()
        return True

    def _apply(self, new: Config, matcher: Matcher | None = None) -> None:
        diff = diff_configs(self.config, new)
        if diff.database_changed:
            logger.warning("database_url changed: takes effect after a restart")
        assert self.runtime is not None
        # A new runtime for new crawls; crawls running under the old one finish (or are
        # cancelled at shutdown: the runtimes share the list of batchers they started).
        self.runtime = self.runtime.reconfigured(new, matcher)
        old_channels = self.config.channels
        self.config = new
        self.health.options = new.service
        if diff.channels is not None and self.dispatcher is not None:
            old_dispatcher = self.dispatcher
            self.dispatcher = self._build_dispatcher(new)
            self._spawn(old_dispatcher.aclose())
        if FeedbackListener.wanted(new.channels) != FeedbackListener.wanted(old_channels):
            old_feedback, self.feedback = self.feedback, self._build_feedback(new)
            self._spawn(self._swap_feedback(old_feedback, self.feedback))
        self._sources_changed(diff)
        self.metrics.add_sources(diff.added)
        logger.info("config reloaded: %s", diff.describe())

    def _sources_changed(self, diff: ConfigDiff) -> None:
        """Reschedule the crawl jobs of the sources a reload added, changed or removed."""
        assert self.cadence is not None
        self.cadence.jitter = self.config.service.jitter
        for name in diff.removed:
            self.cadence.remove(name)
        for name in (*diff.added, *diff.changed):
            self.cadence.schedule(self.config.source(name), None)

    def _build_dispatcher(self, config: Config) -> Dispatcher:
        assert self.runtime is not None
        return Dispatcher(self.runtime.store, config.channels)

    def _build_feedback(self, config: Config) -> FeedbackListener | None:
        """The listener for the Slack channels with an app token, or None when there are none."""
        channels = FeedbackListener.wanted(config.channels)
        if not channels:
            return None
        assert self.runtime is not None
        # The service's store implements FeedbackStore (alerts.feedback); mypy checks it here.
        store: FeedbackStore = self.runtime.store
        counter = self.metrics.feedback_presses
        return FeedbackListener(
            channels, store, on_result=lambda result: counter.labels(result=result).inc()
        )

    async def _swap_feedback(
        self, old: FeedbackListener | None, new: FeedbackListener | None
    ) -> None:
        """A reload changed the Slack channels' buttons: hang up the old sockets, open the new."""
        if old is not None:
            await old.aclose()
        if new is not None and new is self.feedback:
            await new.start()


def run_service(config: Config, **kwargs: Any) -> int:
    """Run the service on Scrapy's asyncio reactor until it is told to stop."""
    from crawler import reactor

    service = Service(config, **kwargs)
    return reactor.run(service.run)
