"""Cadence slots, as pure arithmetic: which slot a moment falls in, and whether a source is due.

A source polled every ``every`` seconds has one slot per period, aligned to the epoch, so every
node computes the same slot for the same moment without talking to the others. A source is due when
the ledger holds nothing for its current slot or a later one; slots missed while no node ran (or
while Procrastinate skipped a periodic run, its issue #1495) are not crawled one by one: the next
dispatch catches up with a single crawl of the current slot, as ``coalesce=True`` does in
single-node mode.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def slot_start(now: datetime, every: timedelta) -> datetime:
    """The start of the slot of length ``every`` that ``now`` falls in."""
    # In whole microseconds: every node must compute the very same timestamp for a slot.
    period = max(every // _MICRO, 1_000_000)
    elapsed = (now - EPOCH) // _MICRO
    return EPOCH + timedelta(microseconds=elapsed - elapsed % period)


def is_due(now: datetime, every: timedelta, last_slot: datetime | None) -> datetime | None:
    """The slot to crawl now, or None when the latest slot in the ledger covers it."""
    slot = slot_start(now, every)
    if last_slot is not None and last_slot >= slot:
        return None
    return slot
