# ruff: noqa: F811 - `db_url` is the scheduler tests' database fixture, imported
"""Readers' feedback the whole way, with real parts only: the real store (a SQLite file, and a
PostgreSQL schema when the server is up), the real dispatcher posting to the fake Slack on
loopback, and the real Socket Mode listener hearing that fake's websocket. A "Mute" press on a
posted alert holds the channel's next alerts about that party (and no other party's) until the
mute expires or ``newswatch unmute`` lifts it; a reopened store keeps holding; a "Snooze story"
press holds the story's later reports; a "Not relevant" press comes out of ``newswatch feedback
export`` and runs through ``newswatch eval``.

One settable clock drives the store, the dispatcher and the listener, so an expiry is reached by
moving it, not by waiting. It starts at the wall clock because ``newswatch unmute`` lifts a hold
"now".
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.channels import SlackChannel
from alerts.dispatcher import Dispatcher, DispatchStats
from alerts.feedback import Hold
from alerts.slack_listener import FeedbackListener
from scheduler.cli import main
from scheduler.store import Store, open_store
from tests.alerts.conftest import Clock
from tests.alerts.helpers import fill
from tests.alerts.test_feedback_dispatch import save
from tests.alerts.test_slack_feedback import button, eventually, slack_config
from tests.scheduler.conftest import db_url  # noqa: F401 - the SQLite / PostgreSQL fixture
from tests.scheduler.test_migrations import write_config
from tests.servers.fake_slack import FakeSlack, press_envelope

MUTE_FOR = timedelta(days=2)  # the channel's own span, not the 7-day default
TITLE = re.compile(r"\*<https?://[^|>]+\|([^>]+)>\*")  # the title's link in the message


@dataclass
class World:
    """The fake Slack, a channel with buttons, the store at ``url`` and a listener on it."""

    fake: FakeSlack
    url: str
    clock: Clock
    config: SlackChannel
    store: Store
    listener: FeedbackListener | None = None
    results: list[str] = field(default_factory=list)

    async def listen(self) -> None:
        self.listener = FeedbackListener(
            [self.config], self.store, on_result=self.results.append, now=self.clock
        )
        await self.listener.start()
        await eventually(lambda: self.fake.sockets.open_sockets() == 1, "the Socket Mode socket")

    async def hang_up(self) -> None:
        if self.listener is not None:
            await self.listener.aclose()
            self.listener = None
        await eventually(lambda: self.fake.sockets.open_sockets() == 0, "the socket closed")

    async def restart(self) -> None:
        """What a restart of the service does to feedback: hang up, close the store, reopen it
        from the same database, listen again."""
        await self.hang_up()
        self.store.close()
        self.store = open_store(self.url, clock=self.clock)
        await self.listen()

    async def dispatch(self) -> DispatchStats:
        async with Dispatcher(self.store, [self.config], clock=self.clock) as dispatcher:
            return await dispatcher.run_once()

    def posted(self) -> list[str]:
        """The titles of the alerts posted so far, in order."""
        return [
            TITLE.findall(json.dumps(call.body["blocks"]))[0]
            for call in self.fake.calls_to("chat.postMessage")
        ]

    async def press(self, n: int, action: str, envelope_id: str) -> None:
        """Press ``action`` on the posted alert "... news #n" over the websocket; wait for the
        listener's verdict and, when it accepted the press, for the message's edit."""
        [post] = [
            c
            for c in self.fake.calls_to("chat.postMessage")
            if f" news #{n}" in json.dumps(c.body["blocks"])
        ]
        blocks = post.body["blocks"]
        updates, results = len(self.fake.calls_to("chat.update")), len(self.results)
        self.fake.push(
            press_envelope(
                envelope_id,
                f"newswatch.{action}",
                button(blocks, action)["value"],
                channel_id=self.fake.channel_id("#deals"),
                ts=post.body["_ts"],
                blocks=blocks,
                text=post.body["text"],
            )
        )
        await eventually(lambda: len(self.results) > results, "the listener's verdict")
        if self.results[-1] == "accepted":
            await eventually(
                lambda: len(self.fake.calls_to("chat.update")) > updates, "chat.update"
            )

    def mute(self) -> Hold:
        [hold] = self.store.active_holds(now=self.clock(), channel="deals")
        return hold


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    clock = Clock(datetime.now(UTC) + timedelta(minutes=1))
    with FakeSlack() as fake:
        config = slack_config(fake, rate_limit=0, mute_for="2d")
        w = World(fake, db_url, clock, config, open_store(db_url, clock=clock))
        await w.listen()
        try:
            yield w
        finally:
            await w.hang_up()
            w.store.close()


async def mute_meta(world: World) -> Hold:
    """Meta's first alert posted and its "Mute Meta" pressed; then an alert about Meta and one
    about OpenAI are due. Returns the mute."""
    save(world.store, 1, "Meta", ("deals",))
    assert (await world.dispatch()).sent == 1
    await world.press(1, "mute", "E-mute")
    hold = world.mute()
    assert (hold.kind, hold.key, hold.label) == ("mute", "meta", "Meta")
    assert hold.expires_at == world.clock() + MUTE_FOR
    save(world.store, 2, "Meta", ("deals",))
    save(world.store, 3, "OpenAI", ("deals",))
    return hold


def pending(world: World) -> list[str]:
    return [d.alert.title for d in world.store.list_deliveries("pending")]


async def test_a_mute_pressed_in_slack_holds_the_party_until_it_expires(world: World) -> None:
    hold = await mute_meta(world)
    stats = await world.dispatch()
    assert (stats.sent, stats.on_hold) == (1, 1)
    assert world.posted() == ["Meta news #1", "OpenAI news #3"]  # Meta held, OpenAI posted
    assert pending(world) == ["Meta news #2"]

    world.clock.now = hold.expires_at - timedelta(seconds=1)
    assert (await world.dispatch()).sent == 0  # still muted
    world.clock.now = hold.expires_at
    assert (await world.dispatch()).sent == 1
    assert world.posted()[-1] == "Meta news #2"
    assert world.store.active_holds(now=world.clock()) == []
    # An alert about Meta after the mute is posted at once.
    save(world.store, 4, "Meta", ("deals",))
    assert (await world.dispatch()).sent == 1
    assert world.posted()[-1] == "Meta news #4"
    assert world.results == ["accepted"]


async def test_unmute_releases_the_held_alert_at_once(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hold = await mute_meta(world)
    assert (await world.dispatch()).on_hold == 1
    world.clock.advance(3600)
    assert (await world.dispatch()).sent == 0

    config = str(write_config(tmp_path, world.url))
    assert main(["--config", config, "unmute", str(hold.id)]) == 0
    assert f"lifted mute #{hold.id} on deals (Meta)" in capsys.readouterr().out
    # The command lifted it at the wall clock's now, which the test clock is already past.
    stats = await world.dispatch()
    assert (stats.sent, stats.on_hold) == (1, 0)
    assert world.posted()[-1] == "Meta news #2" and pending(world) == []


async def test_a_restart_keeps_the_mute_and_it_still_holds(world: World) -> None:
    hold = await mute_meta(world)
    assert (await world.dispatch()).on_hold == 1

    await world.restart()
    assert world.mute() == hold
    save(world.store, 5, "Meta", ("deals",))
    stats = await world.dispatch()
    assert (stats.sent, stats.on_hold) == (0, 1)  # the new Meta alert is held too
    assert sorted(pending(world)) == ["Meta news #2", "Meta news #5"]
    # The reopened store still knows the press: Slack's retry of it changes nothing.
    await world.press(1, "mute", "E-mute")
    assert world.results[-1] == "refused_by_store"  # the new listener has not seen the id
    assert len(world.store.active_holds(now=world.clock())) == 1

    world.clock.now = hold.expires_at
    assert (await world.dispatch()).sent == 2
    assert world.posted()[-2:] == ["Meta news #2", "Meta news #5"]


async def test_not_relevant_pressed_in_slack_is_exported_and_evaluated(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save(world.store, 1, "Meta", ("deals",))
    save(world.store, 2, "OpenAI", ("deals",))
    assert (await world.dispatch()).sent == 2
    await world.press(2, "not_relevant", "E-label")
    assert world.results == ["accepted"]

    config = str(write_config(tmp_path, world.url))
    exported = tmp_path / "labels.jsonl"
    assert main(["--config", config, "feedback", "export", "-o", str(exported)]) == 0
    [row] = [json.loads(line) for line in exported.read_text().splitlines()]
    assert (row["title"], row["label"]) == ("OpenAI news #2", "irrelevant")
    assert row["text"] == "Body of OpenAI news #2"
    capsys.readouterr()
    assert main(["--config", config, "eval", str(exported), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 1
    assert [c["label"] for c in result["cases"]] == ["irrelevant"]


async def test_a_snooze_pressed_in_slack_holds_the_storys_later_reports(world: World) -> None:
    fill(world.store, 1, ["deals"])  # "Story 0: Meta invests in Scale AI"
    assert (await world.dispatch()).sent == 1
    [post] = world.fake.calls_to("chat.postMessage")
    blocks = post.body["blocks"]
    world.fake.push(
        press_envelope(
            "E-snooze",
            "newswatch.snooze",
            button(blocks, "snooze")["value"],
            ts=post.body["_ts"],
            blocks=blocks,
        )
    )
    await eventually(lambda: world.fake.calls_to("chat.update"), "chat.update")
    [hold] = world.store.active_holds(now=world.clock(), channel="deals")
    [first] = world.store.list_deliveries("sent")
    assert first.alert.story is not None and hold.key == str(first.alert.story.id)

    fill(world.store, 1, ["deals"], start=1)  # a later report of the same story
    save(world.store, 3, "OpenAI", ("deals",))  # another story
    stats = await world.dispatch()
    assert (stats.sent, stats.on_hold) == (1, 1)
    assert world.posted() == ["Story 0: Meta invests in Scale AI", "OpenAI news #3"]
    [held] = world.store.list_deliveries("pending")
    assert held.alert.story is not None and held.alert.story.id == first.alert.story.id

    world.clock.now = hold.expires_at
    assert (await world.dispatch()).sent == 1
    assert world.store.list_deliveries("pending") == []
