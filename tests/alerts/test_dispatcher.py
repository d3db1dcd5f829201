"""The outbox dispatcher over an in-memory outbox and real local servers, with a settable clock:
Retry-After, backoff, permanent failures, the retry window, digests, storm folding, quiet hours,
the rate limit, and channels failing independently."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.channels import parse_channel
from alerts.dispatch_loop import dispatch_loop
from alerts.dispatcher import Dispatcher
from alerts.model import Alert
from alerts.render import Digest
from tests.alerts.conftest import Clock, MemoryOutbox, WebhookReceiver, make_alert
from tests.servers.fake_slack import FakeSlack, error, rate_limited, server_error, slow


def slack_cfg(fake: FakeSlack, name: str = "slack", **extra: object):
    base = {"name": name, "kind": "slack", "token": "xoxb-t", "channel": "#c", "rate_limit": 0}
    return parse_channel(base | {"api_url": fake.api_url} | extra)


def dispatcher(outbox: MemoryOutbox, clock: Clock, *channels, **kw) -> Dispatcher:
    return Dispatcher(outbox, list(channels), clock=clock, **kw)


async def test_429_then_ok_is_delivered_once_after_the_wait(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    row = outbox.add(make_alert(), "slack")
    fake_slack.script(rate_limited(30))
    async with dispatcher(outbox, clock, slack_cfg(fake_slack)) as d:
        stats = await d.run_once()
        assert (stats.retried, stats.sent) == (1, 0)
        due = outbox.rows[row].next_attempt_at
        assert timedelta(seconds=30) <= due - clock.now <= timedelta(seconds=33)
        clock.advance(20)
        assert (await d.run_once()).sent == 0  # still inside Retry-After: nothing sent
        assert len(fake_slack.calls) == 1
        clock.advance(14)
        assert (await d.run_once()).sent == 1
        assert (await d.run_once()).sent == 0
    assert outbox.status_of(row) == "sent"
    assert len(fake_slack.posted()) == 1
    assert len(fake_slack.calls) == 2


async def test_500s_retry_with_growing_backoff(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    row = outbox.add(make_alert(), "slack")
    fake_slack.script(server_error(), server_error(), server_error())
    waits = []
    async with dispatcher(outbox, clock, slack_cfg(fake_slack)) as d:
        for _ in range(3):
            stats = await d.run_once()
            assert stats.retried == 1
            assert "HTTP 500" in stats.errors["slack"]
            wait = outbox.rows[row].next_attempt_at - clock.now
            waits.append(wait)
            clock.advance(wait.total_seconds() + 1)
        assert (await d.run_once()).sent == 1
    assert waits[0] >= timedelta(seconds=15)
    assert waits[0] < waits[1] < waits[2]
    assert outbox.rows[row].attempts == 4
    assert outbox.status_of(row) == "sent"


async def test_invalid_auth_fails_and_is_not_retried(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    row = outbox.add(make_alert(), "slack")
    fake_slack.script(error("invalid_auth"))
    async with dispatcher(outbox, clock, slack_cfg(fake_slack)) as d:
        assert (await d.run_once()).failed == 1
        clock.advance(86400)
        await d.run_once()
    assert outbox.status_of(row) == "failed"
    assert "invalid_auth" in (outbox.rows[row].last_error or "")
    assert len(fake_slack.calls) == 1


async def test_slow_answer_is_retried(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    row = outbox.add(make_alert(), "slack")
    fake_slack.script(slow(3))
    async with dispatcher(outbox, clock, slack_cfg(fake_slack, timeout="0.5s")) as d:
        assert (await d.run_once()).retried == 1
        clock.advance(3600)
        assert (await d.run_once()).sent == 1
    assert outbox.status_of(row) == "sent"


async def test_retry_window_then_failed(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    row = outbox.add(make_alert(), "slack")
    fake_slack.default = server_error()
    async with dispatcher(outbox, clock, slack_cfg(fake_slack, retry_for="10m")) as d:
        for _ in range(20):
            await d.run_once()
            if outbox.status_of(row) != "pending":
                break
            # the next attempt never lies past the window: one last try at its end
            assert outbox.rows[row].next_attempt_at <= outbox.rows[row].created_at + timedelta(
                minutes=10, seconds=1
            )
            clock.now = outbox.rows[row].next_attempt_at + timedelta(seconds=1)
    assert outbox.status_of(row) == "failed"
    assert (outbox.rows[row].last_error or "").startswith("gave up after 0:10:00")


async def test_digest_sends_one_message_per_period(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    pairs = ((1, "a"), (2, "b"), (3, "a"))
    rows = [outbox.add(make_alert(i, watchlist=w), "slack") for i, w in pairs]
    async with dispatcher(outbox, clock, slack_cfg(fake_slack, digest="1h")) as d:
        clock.advance(600)
        stats = await d.run_once()
        assert (stats.sent, stats.held) == (0, 3)
        assert not fake_slack.calls
        clock.advance(3000)
        stats = await d.run_once()
        assert (stats.sent, stats.messages) == (3, 1)
    [call] = fake_slack.posted()
    assert call.body["blocks"][0]["text"]["text"] == "Digest · 3 alerts"
    sections = [b["text"]["text"] for b in call.body["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*a* (2)") and sections[1].startswith("*b* (1)")
    assert all(outbox.status_of(r) == "sent" for r in rows)


async def test_storm_folds_the_rest_into_one_message(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    for i in range(10):
        outbox.add(make_alert(i), "slack")
    cfg = slack_cfg(fake_slack, storm_max=3, storm_window="10m")
    async with dispatcher(outbox, clock, cfg) as d:
        stats = await d.run_once()
        assert (stats.sent, stats.messages, stats.folded) == (10, 4, 7)
        posted = fake_slack.posted()
        assert [c.body["blocks"][0]["text"]["text"] for c in posted][-1] == (
            "Storm protection · 7 alerts folded into one message"
        )
        # Still stormy: new rows wait for the next window instead of a message each.
        clock.advance(60)
        for i in range(10, 15):
            outbox.add(make_alert(i), "slack", created_at=clock.now)
        stats = await d.run_once()
        assert (stats.messages, stats.held) == (0, 5)
        clock.advance(600)
        stats = await d.run_once()
        assert (stats.sent, stats.messages, stats.folded) == (5, 4, 2)
    assert outbox.outbox_counts() == {"pending": 0, "sent": 15, "failed": 0}


async def test_quiet_hours_hold_then_deliver(outbox: MemoryOutbox, fake_slack: FakeSlack) -> None:
    clock = Clock(datetime(2026, 1, 15, 21, 30, tzinfo=UTC))  # 22:30 in Berlin
    row = outbox.add(make_alert(), "slack", created_at=clock.now)
    cfg = slack_cfg(fake_slack, quiet_hours="22:00-07:00", timezone="Europe/Berlin")
    async with dispatcher(outbox, clock, cfg) as d:
        stats = await d.run_once()
        assert stats.quiet == ["slack"] and stats.sent == 0
        clock.now = datetime(2026, 1, 16, 5, 59, tzinfo=UTC)  # 06:59 Berlin
        assert (await d.run_once()).sent == 0
        clock.now = datetime(2026, 1, 16, 6, 0, tzinfo=UTC)  # 07:00 Berlin
        assert (await d.run_once()).sent == 1
    assert outbox.status_of(row) == "sent"
    assert len(fake_slack.calls) == 1


async def test_rate_limit_spaces_messages(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    for i in range(4):
        outbox.add(make_alert(i), "slack")
    async with dispatcher(outbox, clock, slack_cfg(fake_slack, rate_limit=10)) as d:
        started = time.monotonic()
        assert (await d.run_once()).sent == 4
        elapsed = time.monotonic() - started
    assert len(fake_slack.calls) == 4
    # Four sends at 10/s wait three slots. A lower bound only, taken where the pacing happens: a
    # slow machine makes the run longer, never shorter. (Arrival gaps at the server are no measure:
    # the first request also opens the connection, so the first gap can be shorter than a slot.)
    assert elapsed >= 0.3 - 0.005


class Exploding:
    kind = "console"

    async def send(self, message: Alert | Digest) -> None:
        raise RuntimeError("bug in a notifier")

    async def aclose(self) -> None:
        pass


class Stuck:
    kind = "console"

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def send(self, message: Alert | Digest) -> None:
        await self.release.wait()

    async def aclose(self) -> None:
        pass


async def test_one_failing_channel_never_blocks_another(
    outbox: MemoryOutbox, clock: Clock, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    dead_url = webhook_receiver.url
    webhook_receiver.close()
    log = tmp_path / "alerts.jsonl"
    channels = [
        parse_channel({"name": "dead", "kind": "webhook", "url": dead_url}),
        parse_channel({"name": "buggy", "kind": "console"}),
        parse_channel({"name": "file", "kind": "console", "path": str(log)}),
    ]
    for name in ("dead", "buggy", "file"):
        outbox.add(make_alert(), name)
    d = Dispatcher(outbox, channels, clock=clock, notifiers={"buggy": Exploding()})
    async with d:
        stats = await d.run_once()
    assert stats.sent == 1 and stats.retried == 2
    assert set(stats.errors) == {"dead", "buggy"}
    assert len(log.read_text().splitlines()) == 1
    assert outbox.outbox_counts() == {"pending": 2, "sent": 1, "failed": 0}


async def test_a_stuck_channel_does_not_hold_the_others(
    outbox: MemoryOutbox, clock: Clock, tmp_path: Path
) -> None:
    log = tmp_path / "alerts.jsonl"
    channels = [
        parse_channel({"name": "stuck", "kind": "console"}),
        parse_channel({"name": "file", "kind": "console", "path": str(log)}),
    ]
    outbox.add(make_alert(1), "stuck")
    outbox.add(make_alert(2), "file")
    stuck = Stuck()
    d = Dispatcher(outbox, channels, clock=clock, notifiers={"stuck": stuck})
    run = asyncio.create_task(d.run_once())
    for _ in range(200):
        if log.exists():
            break
        await asyncio.sleep(0.01)
    assert log.exists() and not run.done()
    stuck.release.set()
    assert (await run).sent == 2


async def test_dispatch_loop_and_unknown_channel_rows_wait(
    outbox: MemoryOutbox, clock: Clock, tmp_path: Path
) -> None:
    log = tmp_path / "out.jsonl"
    for i in range(120):
        outbox.add(make_alert(i), "file")
    d = Dispatcher(
        outbox,
        {"file": parse_channel({"name": "file", "kind": "console", "path": str(log)})},
        clock=clock,
        batch_size=7,
    )
    async with d:
        total = await dispatch_loop(d, max_runs=5)
    assert total.sent == 120
    assert len(log.read_text().splitlines()) == 120


def test_backoff_honours_retry_after_and_caps(outbox: MemoryOutbox) -> None:
    d = Dispatcher(outbox, [], backoff_base=timedelta(seconds=10), backoff_max=timedelta(minutes=5))
    assert timedelta(seconds=42) <= d.backoff(0, 42) <= timedelta(seconds=46.2)
    assert timedelta(seconds=5) <= d.backoff(0, None) <= timedelta(seconds=10)
    assert d.backoff(40, None) <= timedelta(minutes=5)


@pytest.mark.parametrize("bad", ["25:00-07:00", "22:00", "07:00-07:00"])
def test_quiet_hours_validation(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_channel({"name": "c", "kind": "console", "quiet_hours": bad})


async def test_run_budget_stops_a_slow_channel_and_keeps_the_rest_pending(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    for i in range(10):
        outbox.add(make_alert(i), "slack")
    cfg = slack_cfg(fake_slack, rate_limit=10)
    async with dispatcher(outbox, clock, cfg, run_budget=timedelta(seconds=0.25)) as d:
        first = await d.run_once()
        # 10 messages at 10/s need 0.9 s at least: the 0.25 s budget must cut the run short
        assert 1 <= first.sent < 10
        assert first.held == 10 - first.sent
        assert outbox.outbox_counts()["pending"] == 10 - first.sent
        total = await dispatch_loop(d, interval=0, max_runs=50)
    assert first.sent + total.sent == 10
    assert len(fake_slack.posted()) == 10


async def test_an_old_row_still_gets_a_few_attempts(
    outbox: MemoryOutbox, clock: Clock, fake_slack: FakeSlack
) -> None:
    # Queued two days ago (the service was down, or a failed row was retried by hand).
    row = outbox.add(make_alert(), "slack", created_at=clock.now - timedelta(days=2))
    fake_slack.default = server_error()
    async with dispatcher(outbox, clock, slack_cfg(fake_slack)) as d:
        for expected in ("pending", "pending", "failed"):
            await d.run_once()
            assert outbox.status_of(row) == expected
            clock.now = outbox.rows[row].next_attempt_at + timedelta(seconds=1)
    assert outbox.rows[row].attempts == 3
