"""The dispatch loop: :class:`~alerts.dispatcher.Dispatcher` passes one after another.

``newswatch dispatch`` (once, ``--loop`` or ``--until-empty``), cron-style drains, the dispatch
benchmark and tests all drain the outbox through :func:`dispatch_loop`; the service instead runs
single passes on its own schedule (see ``scheduler/dispatch_kicks.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from alerts.dispatcher import Dispatcher, DispatchStats


async def dispatch_loop(
    dispatcher: Dispatcher,
    *,
    until_empty: bool = True,
    interval: float = 1.0,
    max_runs: int | None = None,
    stop: asyncio.Event | None = None,
    on_pass: Callable[[DispatchStats], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> DispatchStats:
    """Run the dispatcher pass after pass; return the totals.

    Stops after ``max_runs`` passes, when ``stop`` is set, or (``until_empty``) when nothing is
    pending but alerts on hold (a reader's mute or snooze). A pass that sent and failed nothing
    is followed by a pause of ``interval`` seconds (cut short by ``stop``), so a loop waiting on
    retries does not spin. ``newswatch dispatch``, cron-style drains and tests all come through
    here.
    """
    total = DispatchStats()
    runs = 0
    while max_runs is None or runs < max_runs:
        stats = await dispatcher.run_once()
        total.add(stats)
        runs += 1
        if on_pass is not None:
            on_pass(stats)
        if stop is not None and stop.is_set():
            break
        if until_empty:
            counts = await asyncio.to_thread(dispatcher.store.outbox_counts)
            pending = counts.get("pending", 0)
            if pending and dispatcher.holds is not None:
                # Alerts a reader's mute or snooze holds wait for it, not for this loop.
                now = dispatcher.clock()
                pending -= await asyncio.to_thread(dispatcher.holds.held_count, now=now)
            if pending <= 0:
                break
        if runs == max_runs:
            break
        if stats.messages == 0 and stats.failed == 0:
            if stop is None:
                await sleep(interval)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            if stop.is_set():
                break
    return total
