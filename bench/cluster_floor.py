"""The job queue's own cost per job: Procrastinate with a task that does nothing, as a node runs it.

``bench/cluster.py`` runs this in a child process next to its idle measurement. It opens the pool a
cluster node opens (:mod:`scheduler.cluster.service`'s settings: autocommit, the worker's
concurrency, heartbeat and polling), registers one no-op task, and defers ``--jobs`` jobs every
``--every`` seconds for ``--seconds`` seconds, each with the per-source ``lock`` and
``queueing_lock`` a crawl job has, in one batch as the dispatcher does. Its CPU per job is what any
design that carries each due source's poll as one Procrastinate job pays before it crawls anything:
the floor under the cluster node's CPU per idle poll. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from pathlib import Path

import psutil
from procrastinate import App, PsycopgConnector
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.cluster.queue_schema import apply_queue_schema, queue_conninfo
from scheduler.cluster.service import (
    CONTROL_JOBS,
    CRAWL_JOBS_PER_BATCH,
    STALLED_AFTER,
    WORKER_HEARTBEAT,
    crawl_lock,
)


async def _autocommit(conn: AsyncConnection[object]) -> None:
    await conn.set_autocommit(True)


async def measure(db_url: str, jobs: int, every: float, seconds: float) -> dict[str, float]:
    apply_queue_schema(db_url)
    pool: AsyncConnectionPool = AsyncConnectionPool(
        queue_conninfo(db_url), min_size=2, max_size=8, configure=_autocommit, open=False
    )
    await pool.open(wait=True)
    # Procrastinate warns about an app made in ``__main__`` (other processes could not import its
    # tasks); this one's worker is in this process only.
    logging.getLogger("procrastinate").setLevel(logging.ERROR)
    app = App(connector=PsycopgConnector())
    done = 0

    @app.task(name="bench.noop", queue="crawl")
    async def noop(source: str, slot: str) -> None:
        nonlocal done
        done += 1

    async with app.open_async(pool):
        worker = asyncio.ensure_future(
            app.run_worker_async(
                concurrency=4 * CRAWL_JOBS_PER_BATCH + CONTROL_JOBS,  # max_concurrent_crawls = 4
                install_signal_handlers=False,
                update_heartbeat_interval=WORKER_HEARTBEAT,
                stalled_worker_timeout=STALLED_AFTER,
                fetch_job_polling_interval=5.0,
                delete_jobs="successful",
            )
        )
        await asyncio.sleep(2)  # registered and listening
        process = psutil.Process()
        cpu0, done0 = sum(process.cpu_times()[:2]), done
        started = time.monotonic()
        rounds = 0
        while time.monotonic() - started < seconds:
            batch = [
                noop.configure(
                    lock=crawl_lock(f"s{i}"), queueing_lock=crawl_lock(f"s{i}")
                ).job.evolve(task_kwargs={"source": f"s{i}", "slot": str(rounds)})
                for i in range(jobs)
            ]
            await app.job_manager.batch_defer_jobs_async(batch)
            rounds += 1
            await asyncio.sleep(max(started + rounds * every - time.monotonic(), 0))
        cpu = sum(process.cpu_times()[:2]) - cpu0
        ran = done - done0
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    await pool.close()
    return {
        "jobs": ran,
        "cpu_seconds": round(cpu, 3),
        "cpu_ms_per_job": round(cpu / ran * 1000, 3) if ran else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=40.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.db_url, args.jobs, args.every, args.seconds))))


if __name__ == "__main__":
    main()
