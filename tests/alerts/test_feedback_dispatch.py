# ruff: noqa: F811 - `store` is the real-store fixture of test_store_dispatch, imported
"""Readers' mutes and snoozes in the dispatcher, over the real store (SQLite and PostgreSQL) and
a channel that records what it is given: a mute holds the channel's next alerts about that party
(and no other alert, and no other channel's) until it expires or is lifted, then they are sent;
a snooze holds a story's later reports."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from alerts.channels import parse_channel
from alerts.dispatch_loop import dispatch_loop
from alerts.dispatcher import Dispatcher
from alerts.feedback import FeedbackEvent, Hold
from alerts.model import Alert
from alerts.render import Digest
from crawler.article_store import ArticleRecord
from crawler.matching.types import EntityRef, Evidence, Match
from tests.alerts.conftest import Clock
from tests.alerts.test_store_dispatch import store  # noqa: F401 - the store fixture
from tests.scheduler.story_reports import REPORTS, save_report


class Recorder:
    """A notifier that keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[Alert | Digest | Any] = []

    async def send(self, message: Any) -> str | None:
        self.sent.append(message)
        return None

    async def aclose(self) -> None:
        pass

    def titles(self) -> list[str]:
        return [m.title for m in self.sent if isinstance(m, Alert)]


def save(store: Any, n: int, party: str, channels: tuple[str, ...] = ("slack", "email")) -> None:
    """An article about ``party`` (and nobody else), routed to ``channels``."""
    title = f"{party} news #{n}"
    match = Match(
        watchlist="ai-deals",
        score=0.9,
        kind="deal",
        entities=(EntityRef(party, "acquirer"),),
        evidence=(Evidence(f"{party} buys a start-up.", ((0, len(party)),)),),
    )
    record = ArticleRecord(
        source="wire",
        url=f"https://news.example.com/{n}",
        fetched_url=f"https://news.example.com/{n}",
        title=title,
        text=f"Body of {title}",
        fingerprint=int.from_bytes(hashlib.sha256(title.encode()).digest()[:8], "big") >> 1,
        content_hash=hashlib.sha256(title.encode()).hexdigest(),
        published=datetime.now(UTC),
    )
    store.save_article(record, [match], {"ai-deals": list(channels)})


def press(store: Any, title: str, action: str, at: datetime, party: str | None = None) -> Hold:
    """A reader's press on the slack message of ``title``: the hold it made."""
    sent = store.list_deliveries("sent")
    [delivery] = [d for d in sent if d.alert.title == title and d.channel == "slack"]
    outcome = store.record_feedback(
        FeedbackEvent(action, delivery.id, "slack", "U1", "Ann", at, party)  # type: ignore[arg-type]
    )
    assert outcome is not None and outcome.hold is not None
    return outcome.hold


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC) + timedelta(minutes=1))


def dispatcher(store: Any, clock: Clock, slack: Recorder, email: Recorder) -> Dispatcher:
    channels = [
        parse_channel({"name": "slack", "kind": "console", "rate_limit": 0}),
        parse_channel({"name": "email", "kind": "console", "rate_limit": 0}),
    ]
    return Dispatcher(store, channels, clock=clock, notifiers={"slack": slack, "email": email})


async def test_a_mute_holds_the_partys_alerts_on_its_channel_until_it_expires(
    store: Any, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    slack, email = Recorder(), Recorder()
    save(store, 1, "Meta")
    async with dispatcher(store, clock, slack, email) as d:
        await d.run_once()
        assert slack.titles() == ["Meta news #1"]
        first = press(store, "Meta news #1", "mute", clock.now, party="Meta, Inc.")
        hold = press(store, "Meta news #1", "mute", clock.now, party="meta")
        assert hold.key == "meta" and hold.id == first.id

        save(store, 2, "META")
        save(store, 3, "OpenAI")
        with caplog.at_level(logging.INFO, logger="alerts.dispatcher"):
            stats = await d.run_once()
        assert slack.titles() == ["Meta news #1", "OpenAI news #3"]
        assert email.titles() == ["Meta news #1", "META news #2", "OpenAI news #3"]
        assert stats.on_hold == 1 and stats.sent == 3
        held_lines = [r.getMessage() for r in caplog.records if "held by mute" in r.getMessage()]
        assert len(held_lines) == 1 and "(Meta, Inc.)" in held_lines[0]
        [pending] = store.list_deliveries("pending")
        assert pending.alert.title == "META news #2" and pending.channel == "slack"
        assert pending.next_attempt_at == hold.expires_at  # held, not dropped

        clock.now = hold.expires_at - timedelta(seconds=1)
        assert (await d.run_once()).sent == 0
        clock.now = hold.expires_at
        stats = await d.run_once()
        assert stats.sent == 1 and stats.on_hold == 0
    assert slack.titles()[-1] == "META news #2"
    assert store.outbox_counts() == {"pending": 0, "sent": 6, "failed": 0}


async def test_unmute_sends_the_held_alerts_now(store: Any, clock: Clock) -> None:
    slack, email = Recorder(), Recorder()
    save(store, 1, "Meta", ("slack",))
    async with dispatcher(store, clock, slack, email) as d:
        await d.run_once()
        hold = press(store, "Meta news #1", "mute", clock.now, party="Meta")
        for n in (2, 3):
            save(store, n, "Meta", ("slack",))
        assert (await d.run_once()).on_hold == 2
        assert (await d.run_once()).on_hold == 0  # put off: not claimed again, not re-held
        assert slack.titles() == ["Meta news #1"]

        clock.advance(3600)
        assert store.lift_hold(hold.id, now=clock.now)
        assert store.active_holds(now=clock.now) == []
        stats = await d.run_once()
    assert stats.sent == 2
    assert slack.titles() == ["Meta news #1", "Meta news #2", "Meta news #3"]


async def test_dispatch_until_empty_does_not_wait_for_held_alerts(store: Any, clock: Clock) -> None:
    slack, email = Recorder(), Recorder()
    save(store, 1, "Meta", ("slack",))
    async with dispatcher(store, clock, slack, email) as d:
        await d.run_once()
        press(store, "Meta news #1", "mute", clock.now, party="Meta")
        save(store, 2, "Meta", ("slack",))
        save(store, 3, "OpenAI", ("slack",))
        total = await dispatch_loop(d, until_empty=True, interval=0.01, max_runs=50)
    assert (total.sent, total.on_hold) == (1, 1)
    assert store.outbox_counts()["pending"] == 1
    assert store.held_count(now=clock.now) == 1


async def test_a_lifted_hold_releases_only_its_own_rows(store: Any, clock: Clock) -> None:
    """Two mutes on one channel: lifting one leaves the other's alerts held."""
    slack, email = Recorder(), Recorder()
    save(store, 1, "Meta", ("slack",))
    save(store, 2, "OpenAI", ("slack",))
    async with dispatcher(store, clock, slack, email) as d:
        await d.run_once()
        meta = press(store, "Meta news #1", "mute", clock.now, party="Meta")
        press(store, "OpenAI news #2", "mute", clock.now, party="OpenAI")
        save(store, 3, "Meta", ("slack",))
        save(store, 4, "OpenAI", ("slack",))
        assert (await d.run_once()).on_hold == 2
        assert store.lift_hold(meta.id, now=clock.now)
        assert (await d.run_once()).sent == 1
    assert slack.titles()[-1] == "Meta news #3"
    [still] = store.list_deliveries("pending")
    assert still.alert.title == "OpenAI news #4"


async def test_a_snooze_holds_the_storys_updates(store: Any, clock: Clock) -> None:
    store.configure_stories(updates={"slack": "new"})
    slack, email = Recorder(), Recorder()
    save_report(store, 0, datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    async with dispatcher(store, clock, slack, email) as d:
        await d.run_once()
        [first] = slack.sent
        assert first.story is not None
        hold = press(store, first.title, "snooze", clock.now)
        assert (hold.kind, hold.key) == ("snooze", str(first.story.id))

        # A later report of the same story.
        save_report(store, 1, datetime(2026, 11, 2, 9, 1, tzinfo=UTC))
        save(store, 9, "Nvidia", ("slack",))  # another story
        stats = await d.run_once()
        assert (stats.on_hold, stats.sent) == (1, 1)
        assert slack.titles()[-1] == "Nvidia news #9"
        [held] = store.list_deliveries("pending")
        assert held.alert.story is not None and held.alert.story.id == first.story.id

        clock.now = hold.expires_at + timedelta(seconds=1)
        assert (await d.run_once()).sent == 1
    assert slack.sent[-1].title == REPORTS[1].title
