"""The cluster's shared tables: the crawl ledger, the nodes, and source status changes.

``crawl_slots`` is the idempotency ledger: :func:`claim_slot` marks ``(source, slot)`` running for a
node unless it is already done (an upsert that returns nothing then), so a retried or stalled
crawl job never makes a second successful crawl of a slot; :func:`finish_slot` marks it done or
failed (both on the node's async connection pool).
``cluster_nodes`` holds one row per live node, refreshed by its heartbeat. :func:`set_status` is a
compare-and-set on a source's status: of several nodes that see a source fail at once, the one
whose update changes the row sends the ops notice. Each function is one short transaction; the
ones taking a :class:`Store` are called through a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from scheduler.store import Store
from scheduler.store.schema import cluster_nodes, crawl_slots, sources

# The two statements every crawl job runs, as plain SQL on the node's async pool (no worker thread,
# no SQLAlchemy compile, no pre-ping): they are most of what a cluster adds to a 304 poll. Each
# takes arrays, so that the jobs of sources due together share one statement
# (:mod:`.slot_batches`); every row is still claimed or finished as by a statement of its own.
_CLAIM = """
INSERT INTO crawl_slots (source, slot, status, node_id, attempts, started_at)
SELECT source, slot, 'running', %(node)s, 1, now()
  FROM unnest(%(sources)s::text[], %(slots)s::timestamptz[]) AS claimed(source, slot)
ON CONFLICT (source, slot) DO UPDATE
   SET status = 'running', node_id = EXCLUDED.node_id, attempts = crawl_slots.attempts + 1,
       started_at = EXCLUDED.started_at, finished_at = NULL
 WHERE crawl_slots.status <> 'done'
RETURNING source, slot, attempts
"""
_FINISH = """
UPDATE crawl_slots SET status = finished.status, finished_at = now()
  FROM unnest(%(sources)s::text[], %(slots)s::timestamptz[], %(statuses)s::text[])
       AS finished(source, slot, status)
 WHERE crawl_slots.source = finished.source AND crawl_slots.slot = finished.slot
"""

SlotKey = tuple[str, datetime]


async def claim_slots(
    pool: AsyncConnectionPool, keys: Sequence[SlotKey], node_id: str
) -> dict[SlotKey, int]:
    """Mark each ``(source, slot)`` of ``keys`` (distinct) running for ``node_id``, in one
    statement; return the attempt of each one claimed (those already done are left out)."""
    params = {
        "sources": [source for source, _ in keys],
        "slots": [slot for _, slot in keys],
        "node": node_id,
    }
    async with pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_CLAIM, params)
        rows = await cur.fetchall()
    # The database answers in UTC; the keys may carry another offset for the same instant.
    wanted = {(source, slot.astimezone(UTC)): (source, slot) for source, slot in keys}
    return {wanted[(row[0], row[1].astimezone(UTC))]: int(row[2]) for row in rows}


async def finish_slots(pool: AsyncConnectionPool, done: Mapping[SlotKey, bool]) -> None:
    """Mark each ``(source, slot)`` done (True) or failed (False: the next dispatch defers it
    again), in one statement."""
    params = {
        "sources": [source for source, _ in done],
        "slots": [slot for _, slot in done],
        "statuses": ["done" if ok else "failed" for ok in done.values()],
    }
    async with pool.connection() as conn:
        await conn.execute(_FINISH, params)


async def claim_slot(
    pool: AsyncConnectionPool, source: str, slot: datetime, node_id: str
) -> int | None:
    """Mark ``(source, slot)`` running for ``node_id``; return the attempt, or None if done."""
    return (await claim_slots(pool, [(source, slot)], node_id)).get((source, slot))


async def finish_slot(pool: AsyncConnectionPool, source: str, slot: datetime, *, ok: bool) -> None:
    """Mark ``(source, slot)`` done (or failed: the next dispatch defers it again)."""
    await finish_slots(pool, {(source, slot): ok})


# What the dispatcher reads on every run, in one statement: each source's status and failure count
# (its poll interval), and its latest covered slot as :func:`latest_slots` tells it.
_DISPATCH_VIEW = """
SELECT name, status, consecutive_failures, NULL::timestamptz FROM sources
UNION ALL
SELECT source, NULL, NULL, max(slot) FROM crawl_slots
 WHERE status <> 'failed' OR attempts >= %(max_attempts)s
 GROUP BY source
"""


async def dispatch_view(
    pool: AsyncConnectionPool, max_attempts: int
) -> tuple[dict[str, tuple[str, int]], dict[str, datetime]]:
    """Each recorded source's (status, consecutive failures), and :func:`latest_slots`."""
    async with pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_DISPATCH_VIEW, {"max_attempts": max_attempts})
        rows = await cur.fetchall()
    states = {row[0]: (row[1], int(row[2])) for row in rows if row[3] is None}
    latest = {row[0]: row[3] for row in rows if row[3] is not None}
    return states, latest


def purge_slots(store: Store, before: datetime) -> int:
    """Delete ledger rows started before ``before``, except each source's latest slot (which says
    whether its current slot is done, however long its cadence); return how many went."""
    newer = crawl_slots.alias("newer")
    later_exists = (
        select(newer.c.slot)
        .where(newer.c.source == crawl_slots.c.source, newer.c.slot > crawl_slots.c.slot)
        .exists()
    )
    with store.engine.begin() as conn:
        result = conn.execute(
            crawl_slots.delete().where(crawl_slots.c.started_at < before, later_exists)
        )
    return int(result.rowcount)


def latest_slots(store: Store, max_attempts: int) -> dict[str, datetime]:
    """Each source's latest slot that is done, running, or failed ``max_attempts`` times.

    A failed slot (a crawl cut at shutdown, a crash) below that many attempts does not count: the
    next dispatch defers it again, and another node crawls it.
    """
    covered = or_(crawl_slots.c.status != "failed", crawl_slots.c.attempts >= max_attempts)
    with store.engine.begin() as conn:
        rows = conn.execute(
            select(crawl_slots.c.source, func.max(crawl_slots.c.slot))
            .where(covered)
            .group_by(crawl_slots.c.source)
        ).all()
    return {row[0]: row[1] for row in rows}


def set_status(store: Store, source: str, status: str) -> bool:
    """Set a source's status unless it already has it; return whether this call changed it."""
    with store.engine.begin() as conn:
        result = conn.execute(
            update(sources)
            .where(sources.c.name == source, sources.c.status != status)
            .values(status=status)
        )
    return bool(result.rowcount)


def heartbeat_node(store: Store, node: dict[str, object]) -> None:
    """Insert or refresh this node's row (``node`` holds every column of ``cluster_nodes``)."""
    stmt = pg_insert(cluster_nodes).values(**node)
    stmt = stmt.on_conflict_do_update(
        index_elements=["node_id"],
        set_={k: stmt.excluded[k] for k in node if k not in ("node_id", "started_at")},
    )
    with store.engine.begin() as conn:
        conn.execute(stmt)


def remove_node(store: Store, node_id: str) -> None:
    """Drop a node's row (it stops gracefully)."""
    with store.engine.begin() as conn:
        conn.execute(cluster_nodes.delete().where(cluster_nodes.c.node_id == node_id))
