"""Dispatch kicks coalesce: passes never overlap, kicks during a pass add one more round."""

from __future__ import annotations

import asyncio

import pytest

from scheduler.dispatch_kicks import DispatchKicks


async def test_a_kick_runs_one_pass() -> None:
    passes: list[int] = []

    async def one_pass() -> None:
        passes.append(1)

    kicks = DispatchKicks(one_pass)
    await kicks.kick()
    await kicks.kick()
    assert len(passes) == 2
    assert not kicks.running


async def test_kicks_during_a_pass_coalesce_into_one_more_round() -> None:
    release = asyncio.Event()
    started = asyncio.Event()
    passes = 0
    concurrent = 0
    most_concurrent = 0

    async def one_pass() -> None:
        nonlocal passes, concurrent, most_concurrent
        passes += 1
        concurrent += 1
        most_concurrent = max(most_concurrent, concurrent)
        started.set()
        if passes == 1:
            await release.wait()
        concurrent -= 1

    kicks = DispatchKicks(one_pass)
    first = asyncio.ensure_future(kicks.kick())
    await started.wait()
    assert kicks.running
    for _ in range(5):
        await kicks.kick()  # returns at once: the running pass will go round again
    assert passes == 1
    release.set()
    await first
    assert passes == 2
    assert most_concurrent == 1
    assert not kicks.running


async def test_a_failing_pass_releases_the_lock() -> None:
    calls = 0

    async def one_pass() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("store down")

    kicks = DispatchKicks(one_pass)
    with pytest.raises(RuntimeError):
        await kicks.kick()
    assert not kicks.running
    await kicks.kick()
    assert calls == 2
