"""A Slack or webhook answering a hostile ``Retry-After`` (``1e20``, ``inf``, ``nan``, negative,
garbage, a date in the year 9999) never wedges the outbox: the failed send counts its attempt,
releases its lease and is due again within a day, and the next run delivers it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from alerts.channels import parse_channel
from alerts.dispatcher import Dispatcher
from alerts.errors import TemporaryDeliveryError
from alerts.model import Alert, Notice
from alerts.render import Digest
from crawler.retry_after import MAX_RETRY_AFTER
from tests.alerts.conftest import Clock, MemoryOutbox, WebhookReceiver, make_alert
from tests.servers.fake_slack import Answer, FakeSlack

HOSTILE = [
    "1e20",
    "inf",
    "nan",
    "-5",
    "garbage",
    "9" * 40,
    "Fri, 31 Dec 9999 23:59:59 GMT",
]
LONGEST = timedelta(seconds=MAX_RETRY_AFTER * 1.1)  # the ceiling plus the dispatcher's jitter


# One server of each for the module: a server's shutdown costs half a second, times 20 cases.
@pytest.fixture(scope="module")
def slack_server() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def slack(slack_server: FakeSlack) -> FakeSlack:
    slack_server.calls.clear()
    return slack_server


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


@pytest.fixture
def hook(receiver: WebhookReceiver) -> WebhookReceiver:
    receiver.requests.clear()
    return receiver


def _assert_retried_once(outbox: MemoryOutbox, row: int, clock: Clock) -> None:
    delivery = outbox.rows[row]
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert row not in outbox.leases  # released, not left to the lease period
    assert clock.now <= delivery.next_attempt_at <= clock.now + LONGEST


async def _deliver_later(d: Dispatcher, outbox: MemoryOutbox, row: int, clock: Clock) -> None:
    clock.now = outbox.rows[row].next_attempt_at + timedelta(seconds=1)
    assert (await d.run_once()).sent == 1
    assert outbox.status_of(row) == "sent"


@pytest.mark.parametrize("value", HOSTILE)
async def test_slack_429_with_a_hostile_retry_after(
    value: str, outbox: MemoryOutbox, clock: Clock, slack: FakeSlack
) -> None:
    row = outbox.add(make_alert(), "slack")
    slack.script(Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": value}))
    cfg = parse_channel(
        {"name": "slack", "kind": "slack", "token": "xoxb-t", "channel": "#c", "rate_limit": 0}
        | {"api_url": slack.api_url}
    )
    async with Dispatcher(outbox, [cfg], clock=clock) as d:
        stats = await d.run_once()
        assert (stats.retried, stats.sent) == (1, 0)
        _assert_retried_once(outbox, row, clock)
        await _deliver_later(d, outbox, row, clock)
    assert len(slack.posted()) == 1


@pytest.mark.parametrize(("value", "status"), [(v, 429) for v in HOSTILE] + [("1e20", 503)])
async def test_webhook_with_a_hostile_retry_after(
    value: str,
    status: int,
    outbox: MemoryOutbox,
    clock: Clock,
    hook: WebhookReceiver,
) -> None:
    row = outbox.add(make_alert(), "hook")
    hook.statuses = [status]
    hook.retry_after[status] = value
    cfg = parse_channel({"name": "hook", "kind": "webhook", "url": hook.url})
    async with Dispatcher(outbox, [cfg], clock=clock) as d:
        stats = await d.run_once()
        assert (stats.retried, stats.sent) == (1, 0)
        _assert_retried_once(outbox, row, clock)
        await _deliver_later(d, outbox, row, clock)
    assert len(hook.requests) == 2


class _Raising:
    """A notifier that fails with whatever ``retry_after`` it was given, unparsed."""

    kind = "console"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after

    async def send(self, message: Alert | Digest | Notice) -> None:
        raise TemporaryDeliveryError("down", retry_after=self.retry_after, channel="c")

    async def aclose(self) -> None:
        pass


@pytest.mark.parametrize("value", [1e20, float("inf"), float("nan"), -1.0, 1e300])
async def test_a_notifier_passing_an_unbounded_retry_after(
    value: float, outbox: MemoryOutbox, clock: Clock
) -> None:
    row = outbox.add(make_alert(), "c")
    cfg = parse_channel({"name": "c", "kind": "console"})
    async with Dispatcher(outbox, [cfg], clock=clock, notifiers={"c": _Raising(value)}) as d:
        stats = await d.run_once()
    assert stats.retried == 1
    _assert_retried_once(outbox, row, clock)


async def test_a_failure_while_planning_the_retry_still_counts_the_attempt(
    outbox: MemoryOutbox, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No socket reaches this branch: make the Retry-After path itself blow up once.
    row = outbox.add(make_alert(), "c")
    cfg = parse_channel({"name": "c", "kind": "console"})
    d = Dispatcher(outbox, [cfg], clock=clock, notifiers={"c": _Raising(5.0)})
    real = d.backoff

    def backoff(attempts: int, retry_after: float | None) -> timedelta:
        if retry_after is not None:
            raise OverflowError("boom")
        return real(attempts, retry_after)

    monkeypatch.setattr(d, "backoff", backoff)
    async with d:
        stats = await d.run_once()
    assert stats.retried == 1 and not stats.failed
    _assert_retried_once(outbox, row, clock)
