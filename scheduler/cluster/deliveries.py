"""Delivery jobs: the outbox drained through the job queue, one channel at a time per cluster.

A ``deliver(channel)`` job drains one channel's due outbox rows (the dispatcher's usual claim,
lease, send and mark). Its ``queueing_lock`` and ``lock`` are named after the channel: at most one
job per channel waits, and at most one runs in the whole cluster, so a channel's pacing is not
multiplied by the number of nodes. :class:`DeliveryJobs` defers such a job inside the very
transaction that stores a match and its outbox rows (the store's ``on_new_deliveries`` hook, on the
store's own psycopg connection): the match and its delivery job commit together or not at all. A
job already waiting for the channel covers the new row (it has not claimed yet), so a queueing-lock
conflict is rolled back to a savepoint and ignored. The periodic outbox pass defers the same jobs,
for retries that fall due and quiet hours that end.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from procrastinate import SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from procrastinate.manager import JobManager
from sqlalchemy.engine import Connection

logger = logging.getLogger("newswatch")

DELIVER_TASK = "newswatch.deliver"
DELIVER_QUEUE = "deliver"


def deliver_job(channel: str) -> Job:
    """The job that drains ``channel``'s outbox."""
    key = f"deliver:{channel}"
    return Job(
        queue=DELIVER_QUEUE,
        task_name=DELIVER_TASK,
        lock=key,
        queueing_lock=key,
        task_kwargs={"channel": channel},
    )


class DeliveryJobs:
    """Defers delivery jobs on a connection it is handed (the store's, inside its transaction)."""

    def __init__(self, conninfo: str) -> None:
        # The connector is never opened: every query runs on the connection handed in.
        self.manager = JobManager(SyncPsycopgConnector(conninfo=conninfo))

    def defer_in_transaction(self, conn: Connection, channels: Sequence[str]) -> None:
        """The store's ``on_new_deliveries`` hook: a job per channel, in ``conn``'s transaction."""
        raw = conn.connection.driver_connection
        for channel in dict.fromkeys(channels):
            try:
                # A queueing-lock conflict aborts the statement: only the savepoint is lost.
                with conn.begin_nested():
                    self.manager.defer_job(deliver_job(channel), connection=raw)
            except AlreadyEnqueued:
                continue  # a job for this channel waits and has not claimed yet: it sends this too
