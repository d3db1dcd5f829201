"""The ledger writes of crawl jobs that run together, gathered into one statement each.

A node's crawl jobs come in bursts: the sources due in the same slot are deferred together, fetched
one after the other, crawled in one Scrapy batch and recorded in one transaction. Each job claims
its ``(source, slot)`` before crawling and finishes it after; a statement each was much of the CPU
a cluster node spent on an idle (304) poll beyond single-node mode. :class:`SlotBatches` gathers
the claims that arrive within :data:`CLAIM_WINDOW` (far shorter than the crawl batcher's own
window, which the crawls wait for anyway) and the finishes that arrive in one turn of the event
loop (a batch's crawls end together), and sends each group as one statement of
:mod:`~scheduler.cluster.ledger`. Every row is claimed or finished as it was alone, and each caller
gets its own answer, or the statement's error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Generic, TypeVar

from psycopg_pool import AsyncConnectionPool

from scheduler.cluster import ledger
from scheduler.cluster.ledger import SlotKey

# Seconds a claim waits for others: jobs of one burst are fetched a few milliseconds apart.
CLAIM_WINDOW = 0.05

T = TypeVar("T")
V = TypeVar("V")


class _Gather(Generic[V, T]):
    """Values keyed by slot, sent together by ``send`` after ``delay`` (0: next loop turn)."""

    def __init__(
        self, send: Callable[[dict[SlotKey, V]], Awaitable[dict[SlotKey, T]]], delay: float
    ) -> None:
        self.send = send
        self.delay = delay
        self._pending: dict[SlotKey, tuple[V, asyncio.Future[T]]] = {}
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, key: SlotKey, value: V) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        if key in self._pending:
            # One statement must not touch a row twice: the earlier one goes now.
            self._flush()
        future: asyncio.Future[T] = loop.create_future()
        self._pending[key] = (value, future)
        if self._timer is None:
            if self.delay > 0:
                self._timer = loop.call_later(self.delay, self._flush)
            else:
                self._timer = loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, {}
        if batch:
            task = asyncio.ensure_future(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: dict[SlotKey, tuple[V, asyncio.Future[T]]]) -> None:
        # A caller cancelled meanwhile (a job cut at shutdown) wants nothing written any more.
        batch = {key: entry for key, entry in batch.items() if not entry[1].done()}
        if not batch:
            return
        try:
            answers = await self.send({key: value for key, (value, _) in batch.items()})
        except BaseException as exc:  # every caller hears of it; none is left waiting
            for _value, future in batch.values():
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for key, (_value, future) in batch.items():
            if not future.done():
                future.set_result(answers[key])


class SlotBatches:
    """Claims and finishes ledger slots on ``pool`` for ``node_id``, those arriving together as
    one statement."""

    def __init__(self, pool: AsyncConnectionPool, node_id: str) -> None:
        self.pool = pool
        self.node_id = node_id
        self._claims: _Gather[None, int | None] = _Gather(self._claim, CLAIM_WINDOW)
        self._finishes: _Gather[bool, None] = _Gather(self._finish, 0)

    async def claim(self, source: str, slot: datetime) -> int | None:
        """:func:`~scheduler.cluster.ledger.claim_slot`, sent with the claims of a burst."""
        return await self._claims.add((source, slot), None)

    async def finish(self, source: str, slot: datetime, *, ok: bool) -> None:
        """:func:`~scheduler.cluster.ledger.finish_slot`, sent with the crawls ending with it."""
        await self._finishes.add((source, slot), ok)

    async def _claim(self, batch: dict[SlotKey, None]) -> dict[SlotKey, int | None]:
        claimed = await ledger.claim_slots(self.pool, list(batch), self.node_id)
        return {key: claimed.get(key) for key in batch}

    async def _finish(self, batch: dict[SlotKey, bool]) -> dict[SlotKey, None]:
        await ledger.finish_slots(self.pool, batch)
        return dict.fromkeys(batch)
