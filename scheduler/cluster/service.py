"""One cluster node: the service of :mod:`scheduler.daemon`, its crawls carried by Procrastinate.

:class:`ClusterService` keeps everything the single-node :class:`~scheduler.daemon.Service` does
(config watching and reload, the health server, the outbox dispatcher -- whose leases already skip
rows another node holds -- retention, heartbeats, signals) and replaces only where crawls come
from. Instead of one APScheduler job per source, a Procrastinate worker runs on the same asyncio
loop: a periodic ``dispatch`` task (deferred once per period across all nodes by Procrastinate's
own uniqueness; the period is half the shortest cadence) defers one ``crawl`` job per due source
with a ``queueing_lock`` and a ``lock`` named after the source (at most one waiting and one
running crawl per source); the crawl job claims its ``(source, slot)`` in the ledger first, so a
retried or stalled job never crawls a slot twice. Deliveries are ``deliver(channel)`` jobs
(:mod:`~scheduler.cluster.deliveries`). A periodic ``recover`` task retries the jobs of workers
whose heartbeat is older than :data:`STALLED_AFTER` (a node killed mid-crawl). Due-ness and
backoff are read from the database, so every node agrees; a source's failing/recovered status
changes by compare-and-set, so one node tells ops. Each node keeps a row in ``cluster_nodes``
(heartbeat, version, config hash).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import Any

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Job, Status
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from alerts.dispatcher import Dispatcher
from crawler.matching import Matcher
from crawler.sources import Source
from scheduler.cluster import ledger
from scheduler.cluster.deliveries import DELIVER_QUEUE, DELIVER_TASK, DeliveryJobs, deliver_job
from scheduler.cluster.queue_schema import apply_queue_schema, queue_conninfo
from scheduler.cluster.slot_batches import SlotBatches
from scheduler.cluster.slots import is_due
from scheduler.config import Config
from scheduler.config_watch import ConfigDiff
from scheduler.daemon import Service
from scheduler.source_health import poll_interval
from scheduler.store import SourceState

logger = logging.getLogger("newswatch")

CRAWL_TASK = "newswatch.crawl"
# Seconds between dispatches: half the shortest cadence (the delay a dispatch adds to a poll), from
# these divisors of a minute so that cron's seconds field keeps an even step.
DISPATCH_STEPS = (1, 2, 3, 4, 5, 6, 10, 12, 15)
RECOVER_CRON = "* * * * * */2"  # seconds are the sixth field
# A worker refreshes its Procrastinate heartbeat this often; its running jobs count as stalled
# (and are retried elsewhere) once the heartbeat is older than STALLED_AFTER.
WORKER_HEARTBEAT = 2.0
STALLED_AFTER = 10.0
# Attempts after which a slot that keeps failing counts as covered (until the next slot).
MAX_SLOT_ATTEMPTS = 3
# How long a node holds the outbox rows it claimed (the dispatcher gives them back before its lease
# ends): the delivery pickup time after a node is killed mid-burst.
DELIVERY_LEASE = timedelta(seconds=20)
# Ledger rows older than this go at the hourly retention run (each source's latest row stays).
SLOTS_KEPT = timedelta(days=1)
# Crawl jobs a node takes at once, per crawl batch it may run (service.max_concurrent_crawls).
# More lets sources due together share a Scrapy crawl; but a node takes that many jobs in one go
# when they appear, and too many leave the other nodes nothing (bench/cluster.py: 64 a node made
# 2 nodes slower than 1 on a backlog; 16 in all gave 1.54x, and the same CPU per idle poll).
CRAWL_JOBS_PER_BATCH = 4
# Jobs a node runs at once besides its crawls: the dispatcher, the recovery task, deliveries.
CONTROL_JOBS = 4


def dispatch_cron(config: Config) -> str:
    """The dispatcher's schedule (seconds are cron's sixth field), from the config at start."""
    cadences = [s.every.total_seconds() for s in config.sources if s.enabled] or [60.0]
    step = max(s for s in DISPATCH_STEPS if s <= max(min(cadences) / 2, 1))
    return "* * * * * *" if step == 1 else f"* * * * * */{step}"


def dispatch_period_change(running: str, new: Config) -> str | None:
    """What to warn about when a reload's sources want another dispatcher period than the one
    running. Procrastinate fixes periodic tasks when the worker starts: it waits for a restart."""
    wanted = dispatch_cron(new)
    if wanted == running:
        return None
    return (
        f"the sources' cadences now call for the dispatcher on cron '{wanted}' (seconds last), but "
        f"it stays on '{running}' until this node restarts"
    )


async def _autocommit(conn: AsyncConnection[Any]) -> None:
    # Through ``configure``, not the pool's kwargs: Procrastinate's LISTEN connection reuses those
    # kwargs and sets autocommit itself.
    await conn.set_autocommit(True)


def crawl_lock(source: str) -> str:
    """The lock and queueing lock of ``source``'s crawl jobs."""
    return f"crawl:{source}"


def config_hash(config: Config) -> str:
    """SHA-256 of the config files' bytes, in order (nodes compare it in ``newswatch status``)."""
    digest = hashlib.sha256()
    for path in config.files:
        digest.update(str(path.name).encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def newswatch_version() -> str:
    try:
        return metadata.version("newswatch")
    except metadata.PackageNotFoundError:
        return "unknown"


class ClusterService(Service):
    """A ``newswatch run`` node of a cluster (call :meth:`run` inside the reactor's loop)."""

    def __init__(self, config: Config, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.node_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.started_at = datetime.now(UTC)
        self.config_hash = config_hash(config)
        # One async pool for the job queue and the ledger, opened on the reactor's loop. Not
        # checked on every checkout (Procrastinate's own pool would be): a broken connection
        # fails one query, and the job or the next dispatch tries again.
        # Autocommit: every query of the queue and the ledger is one statement, and needs no
        # BEGIN and COMMIT round trips of its own.
        self.pool = AsyncConnectionPool(
            queue_conninfo(config.database_url),
            min_size=2,
            max_size=8,
            configure=_autocommit,
            open=False,
        )
        self.slots = SlotBatches(self.pool, self.node_id)
        self.app = App(connector=PsycopgConnector())
        self.crawl_task = self.app.task(name=CRAWL_TASK, queue="crawl")(self._crawl_job)
        # One dispatcher at a time in the cluster (two periodic runs could otherwise overlap).
        dispatch = self.app.task(
            name="newswatch.dispatch", queue="control", lock="dispatch", queueing_lock="dispatch"
        )(self._dispatch_due)
        self.dispatch_cron = dispatch_cron(config)
        self.app.periodic(cron=self.dispatch_cron, periodic_id="dispatch")(dispatch)
        recover = self.app.task(name="newswatch.recover", queue="control")(self._recover_stalled)
        self.app.periodic(cron=RECOVER_CRON, periodic_id="recover")(recover)
        self.app.task(name=DELIVER_TASK, queue=DELIVER_QUEUE)(self._deliver_job)
        self.delivery_jobs = DeliveryJobs(queue_conninfo(config.database_url))
        self._worker_task: asyncio.Task[None] | None = None
        self._app_open = False

    # -- lifecycle -------------------------------------------------------------------------------

    async def _start_crawls(self, states: Mapping[str, SourceState]) -> None:
        for source in self.config.sources:
            state = states.get(source.name)
            if state is not None:
                self.health.load(state)
        created = await asyncio.to_thread(apply_queue_schema, self.config.database_url)
        if created:
            logger.info("created the job queue's tables")
        await self.pool.open(wait=True)
        await self.app.open_async(self.pool)
        self._app_open = True
        assert self.runtime is not None
        self.runtime.store.on_new_deliveries = self.delivery_jobs.defer_in_transaction
        await self._beat()
        grace = self.config.service.shutdown_grace.total_seconds()
        self._worker_task = asyncio.ensure_future(
            self.app.run_worker_async(
                name=self.node_id,
                # Crawl jobs mostly wait on the network; several at once let the runtime's
                # batcher crawl sources due together in one Scrapy crawl, as single-node mode does.
                concurrency=self.config.service.max_concurrent_crawls * CRAWL_JOBS_PER_BATCH
                + CONTROL_JOBS,
                install_signal_handlers=False,
                update_heartbeat_interval=WORKER_HEARTBEAT,
                stalled_worker_timeout=STALLED_AFTER,
                # New jobs are announced by LISTEN/NOTIFY; polling is only the fallback.
                fetch_job_polling_interval=5.0,
                delete_jobs="successful",
                # Our own drain cuts crawls at the grace period; the worker waits a little longer.
                shutdown_graceful_timeout=grace + 5,
            )
        )
        self._worker_task.add_done_callback(self._on_worker_done)
        logger.info("cluster node %s started", self.node_id)

    def _on_worker_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self._stop.is_set():
            return
        exc = task.exception()
        logger.error("the job queue worker stopped (%s): stopping the node", exc or "no error")
        self.stop()

    async def _drain_crawls(self, grace: float) -> None:
        # Cancelling run_worker_async is Procrastinate's graceful stop: no new job is fetched.
        if self._worker_task is not None:
            self._worker_task.cancel()
        await super()._drain_crawls(grace)
        if self._worker_task is not None:
            await asyncio.wait([self._worker_task], timeout=10)

    async def _close_extras(self) -> None:
        if self.runtime is not None:
            try:
                await asyncio.to_thread(ledger.remove_node, self.runtime.store, self.node_id)
            except Exception as exc:
                logger.warning("could not remove node %s from cluster_nodes: %s", self.node_id, exc)
        if self._app_open:
            await self.app.close_async()
            await self.pool.close()
            self._app_open = False

    # -- node heartbeat ----------------------------------------------------------------------------

    async def _heartbeat_job(self) -> None:
        await super()._heartbeat_job()
        await self._beat()

    async def _beat(self) -> None:
        if self.runtime is None:
            return
        now = datetime.now(UTC)
        row: dict[str, object] = {
            "node_id": self.node_id,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "version": newswatch_version(),
            "config_hash": self.config_hash,
            "started_at": self.started_at,
            "last_heartbeat": now,
        }
        try:
            await asyncio.to_thread(ledger.heartbeat_node, self.runtime.store, row)
        except Exception as exc:  # the store's health probe reports the outage
            logger.warning("node heartbeat not written: %s", exc)

    # -- jobs --------------------------------------------------------------------------------------

    async def _dispatch_due(self, timestamp: int) -> None:
        """Defer a crawl job for every enabled source whose current slot the ledger lacks."""
        if self.runtime is None or self._stop.is_set():
            return
        # One statement on the async pool: no worker thread, no transaction of its own.
        states, latest = await ledger.dispatch_view(self.pool, MAX_SLOT_ATTEMPTS)
        # Sources whose crawl job already waits need no other (its queueing lock would refuse it).
        waiting = {
            job.queueing_lock
            for job in await self.app.job_manager.list_jobs_async(task=CRAWL_TASK, status="todo")
        }
        now = datetime.now(UTC)
        options = self.config.service
        due: list[Job] = []
        for source in self.config.sources:
            if not source.enabled or crawl_lock(source.name) in waiting:
                continue
            status, failures = states.get(source.name, ("ok", 0))
            every = poll_interval(source, options, failing=status == "failing", failures=failures)
            slot = is_due(now, every, latest.get(source.name))
            if slot is None:
                continue
            key = crawl_lock(source.name)
            job = self.crawl_task.configure(lock=key, queueing_lock=key).job
            due.append(job.evolve(task_kwargs={"source": source.name, "slot": slot.isoformat()}))
        if not due:
            return
        try:
            await self.app.job_manager.batch_defer_jobs_async(due)  # one round trip
        except AlreadyEnqueued:
            # A crawl job appeared meanwhile (a stalled one retried): defer the others one by one.
            for job in due:
                with contextlib.suppress(AlreadyEnqueued):
                    await self.app.job_manager.defer_job_async(job)

    async def _crawl_job(self, source: str, slot: str) -> None:
        """Crawl ``source`` for ``slot`` unless the ledger says a node already did."""
        try:
            found = self.config.source(source)
        except KeyError:
            return  # removed by a reload since the job was deferred
        if not found.enabled or self.runtime is None:
            return
        at = datetime.fromisoformat(slot)
        attempt = await self.slots.claim(source, at)
        if attempt is None:
            # A second job for a slot whose first was fetched but had not claimed it yet.
            logger.debug("source %s: slot %s already crawled, skipping", source, slot)
            return
        if attempt > 1:
            logger.info("source %s: crawling slot %s again (attempt %d)", source, slot, attempt)
        ok = False
        try:
            summary = await self.crawl(found)
            ok = not summary.interrupted
        finally:
            # Shielded: a crawl cut at shutdown still records its slot as failed (crawled again).
            await asyncio.shield(self.slots.finish(source, at, ok=ok))

    async def _deliver_job(self, channel: str) -> None:
        """Drain ``channel``'s due outbox rows (one such job runs at a time in the cluster)."""
        if self.dispatcher is None:
            return
        stats = await self.dispatcher.run_channel(channel)
        self.metrics.observe_dispatch(stats)

    def _kick_dispatch(self) -> None:
        self._spawn(self._defer_deliveries())

    async def _dispatch_job(self) -> None:
        await self._defer_deliveries()
        await self._update_outbox_metrics()

    async def _defer_deliveries(self) -> None:
        """A delivery job per enabled channel, unless one already waits."""
        if not self._app_open or self._stop.is_set():
            return
        for channel in self.config.channels:
            if not channel.enabled:
                continue
            try:
                await self.app.job_manager.defer_job_async(deliver_job(channel.name))
            except AlreadyEnqueued:
                continue

    def _build_dispatcher(self, config: Config) -> Dispatcher:
        assert self.runtime is not None
        # A short lease: the rows a killed node had claimed go to another node this soon.
        return Dispatcher(self.runtime.store, config.channels, lease=DELIVERY_LEASE)

    async def _retention_job(self) -> None:
        await super()._retention_job()
        assert self.runtime is not None
        cutoff = datetime.now(UTC) - SLOTS_KEPT
        removed = await asyncio.to_thread(ledger.purge_slots, self.runtime.store, cutoff)
        if removed:
            logger.info("retention: removed %d crawl slots from the ledger", removed)

    async def _recover_stalled(self, timestamp: int) -> None:
        """Retry the running jobs of workers whose heartbeat stopped (a node died)."""
        manager = self.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER):
            try:
                await manager.retry_job(job)
            except UniqueViolation:
                # Another job with its queueing lock already waits and covers its work (a later
                # slot, the same channel): close this one, which frees its lock for that one.
                await manager.finish_job(job, status=Status.FAILED, delete_job=False)
                logger.warning(
                    "job %s (%s) of a worker whose heartbeat stopped: covered by a waiting job",
                    job.id,
                    job.call_string,
                )
                continue
            logger.warning(
                "retrying job %s (%s) of a worker whose heartbeat stopped", job.id, job.call_string
            )
        await manager.prune_stalled_workers(STALLED_AFTER)

    # -- health and config -------------------------------------------------------------------------

    async def _apply_health(self, source: Source, state: SourceState) -> None:
        # The status in the database is the cluster's: another node may have changed it.
        if state.status == "failing":
            self.health.failing.add(source.name)
        else:
            self.health.failing.discard(source.name)
        await super()._apply_health(source, state)

    async def _persist_status(self, state: SourceState, status: str) -> bool:
        # Compare-and-set: when several nodes see the change, only the one that made it tells ops.
        assert self.runtime is not None
        state.status = status
        return await asyncio.to_thread(ledger.set_status, self.runtime.store, state.name, status)

    def _sources_changed(self, diff: ConfigDiff) -> None:
        """Nothing to reschedule: the dispatcher reads the config in force on every run."""

    def _apply(self, new: Config, matcher: Matcher | None = None) -> None:
        if new.service.cluster != self.config.service.cluster:
            logger.warning("service.cluster changed: takes effect after a restart")
        if (change := dispatch_period_change(self.dispatch_cron, new)) is not None:
            logger.warning("%s", change)
        super()._apply(new, matcher)
        self.config_hash = config_hash(new)


def run_cluster_service(config: Config, **kwargs: Any) -> int:
    """Run a cluster node on Scrapy's asyncio reactor until it is told to stop."""
    from crawler import reactor

    service = ClusterService(config, **kwargs)
    return reactor.run(service.run)
