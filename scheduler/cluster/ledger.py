"""The cluster's shared tables: the crawl ledger, the nodes, and source status changes.

``crawl_slots`` is the idempotency ledger: :func:`claim_slot` marks ``(source, slot)`` running for a
node unless it is already done (an upsert that returns nothing then), so a retried or stalled crawl
job never makes a second successful crawl of a slot; :func:`finish_slot` marks it done or failed.
``cluster_nodes`` holds one row per live node, refreshed by its heartbeat. :func:`set_status` is a
compare-and-set on a source's status: of several nodes that see a source fail at once, the one
whose update changes the row sends the ops notice. Each function is one short transaction and is
called through a worker thread.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from scheduler.store import Store
from scheduler.store.engine import utcnow
from scheduler.store.schema import cluster_nodes, crawl_slots, sources


def claim_slot(store: Store, source: str, slot: datetime, node_id: str) -> int | None:
    """Mark ``(source, slot)`` running for ``node_id``; return the attempt, or None if done."""
    now = utcnow()
    stmt = pg_insert(crawl_slots).values(
        source=source, slot=slot, status="running", node_id=node_id, attempts=1, started_at=now
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=["source", "slot"],
        set_={
            "status": "running",
            "node_id": node_id,
            "attempts": crawl_slots.c.attempts + 1,
            "started_at": now,
            "finished_at": None,
        },
        where=crawl_slots.c.status != "done",
    ).returning(crawl_slots.c.attempts)
    with store.engine.begin() as conn:
        return conn.execute(upsert).scalar()


def finish_slot(store: Store, source: str, slot: datetime, *, ok: bool) -> None:
    """Mark ``(source, slot)`` done (or failed: the next slot tries again)."""
    with store.engine.begin() as conn:
        conn.execute(
            update(crawl_slots)
            .where(crawl_slots.c.source == source, crawl_slots.c.slot == slot)
            .values(status="done" if ok else "failed", finished_at=utcnow())
        )


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
