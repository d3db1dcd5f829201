"""Slack's feedback buttons heard over Socket Mode, against the fake Slack on loopback: a real
websocket, real acknowledgements, real ``chat.update`` calls, and the service's real store (a
SQLite file) holding the outbox rows pressed on and the presses.

Only the test of the acknowledgement's order uses :class:`RecordingFeedbackStore`, a small
implementation of the ``FeedbackStore`` protocol that can block every call on purpose.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alerts import slack_listener
from alerts.channels import SlackChannel, parse_channel
from alerts.feedback import (
    MUTE_FOR,
    SNOOZE_FOR,
    FeedbackEvent,
    FeedbackOutcome,
    FeedbackStore,
    Hold,
    LabelledMatch,
    party_key,
)
from alerts.model import StoryRef
from alerts.slack import SlackNotifier
from alerts.slack_buttons import BLOCK_ID
from alerts.slack_listener import FeedbackListener
from scheduler.store import Store, open_store
from scheduler.store.schema import feedback
from tests.alerts.conftest import make_alert
from tests.alerts.helpers import fill
from tests.servers.fake_slack import FakeSlack, error, ok, press_envelope

NOW = datetime(2026, 6, 12, 14, 0, tzinfo=UTC)
APP_TOKEN = "xapp-1-A0FAKE-1-secret"


class RecordingFeedbackStore:
    """Records presses (a FeedbackStore); ``deliveries`` maps the known outbox rows to their
    channel, ``stories`` a row to its story. ``gate``, when set, holds every call until it opens:
    the real store cannot be made to block on purpose, so the test that the acknowledgement does
    not wait for the store uses this one."""

    def __init__(self, deliveries: dict[int, str], stories: dict[int, int] | None = None) -> None:
        self.deliveries = deliveries
        self.stories = stories or {}
        self.events: list[FeedbackEvent] = []
        self.spans: list[tuple[timedelta, timedelta]] = []
        self.holds: list[Hold] = []
        self.gate: threading.Event | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record_feedback(
        self,
        event: FeedbackEvent,
        *,
        mute_for: timedelta = MUTE_FOR,
        snooze_for: timedelta = SNOOZE_FOR,
    ) -> FeedbackOutcome | None:
        if self.gate is not None:
            assert self.gate.wait(10)
        with self._lock:
            if any(e.envelope_id == event.envelope_id for e in self.events):
                return None
            if self.deliveries.get(event.delivery_id) != event.channel:
                return None
            self.events.append(event)
            self.spans.append((mute_for, snooze_for))
            feedback_id = len(self.events)
            hold = None
            if event.action == "mute":
                assert event.party is not None
                hold = self._hold("mute", event, party_key(event.party), event.party, mute_for)
            elif event.action == "snooze":
                story = str(self.stories.get(event.delivery_id, ""))
                hold = self._hold("snooze", event, story, "the story", snooze_for)
            return FeedbackOutcome(feedback_id, hold)

    def _hold(self, kind: Any, event: FeedbackEvent, key: str, label: str, span: timedelta) -> Hold:
        hold = Hold(
            next(self._ids), kind, event.channel, key, label, event.user, event.at, event.at + span
        )
        self.holds.append(hold)
        return hold

    def active_holds(self, *, now: datetime, channel: str | None = None) -> list[Hold]:
        return [
            h
            for h in self.holds
            if h.expires_at > now and h.lifted_at is None and channel in (None, h.channel)
        ]

    def lift_hold(self, hold_id: int, *, now: datetime) -> bool:
        return False

    def labelled_matches(self, *, since: datetime) -> Sequence[LabelledMatch]:
        return []


def slack_config(fake: FakeSlack, name: str = "deals", **extra: Any) -> SlackChannel:
    config = parse_channel(
        {
            "name": name,
            "kind": "slack",
            "token": "xoxb-bot",
            "channel": "#deals",
            "api_url": fake.api_url,
            "app_token": APP_TOKEN,
            **extra,
        }
    )
    assert isinstance(config, SlackChannel)
    return config


def real_store(tmp_path: Path, channels: dict[str, int]) -> Store:
    """The service's store on a SQLite file under ``tmp_path``, with ``channels[name]`` alerts
    routed to each channel (outbox rows 1, 2, ... in that order)."""
    store = open_store(f"sqlite:///{tmp_path / 'feedback.db'}")
    start = 0
    for name, n in channels.items():
        fill(store, n, [name], start=start)
        start += n
    return store


def stored_events(store: Store) -> list[FeedbackEvent]:
    """The presses the store kept, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(feedback).order_by(feedback.c.id)).all()
    return [
        FeedbackEvent(
            row.action,
            row.delivery_id,
            row.channel,
            row.user_id,
            row.user_name,
            row.created_at,
            row.party,
            row.envelope_id or "",
        )
        for row in rows
    ]


def stored_holds(store: Store) -> list[Hold]:
    """The holds the store made for presses at ``NOW`` (none is lifted here), oldest first."""
    return sorted(store.active_holds(now=NOW - timedelta(days=1)), key=lambda hold: hold.id)


async def eventually(check: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    """Wait until ``check()`` is true (a bound against hangs, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class Rig:
    fake: FakeSlack
    store: Store
    listener: FeedbackListener
    results: list[str]
    config: SlackChannel

    async def press(self, envelope: dict[str, Any] | str) -> None:
        """Push an envelope and wait for its acknowledgement (when it has an id)."""
        acked = len(self.fake.acks())
        self.fake.push(envelope)
        if isinstance(envelope, dict) and "envelope_id" in envelope:
            await eventually(lambda: len(self.fake.acks()) > acked, "the acknowledgement")

    async def settle(self, results: int) -> None:
        await eventually(lambda: len(self.results) >= results, f"{results} results")


def alert_blocks(config: SlackChannel, delivery_id: int = 11) -> list[dict[str, Any]]:
    alert = replace(make_alert(), delivery_id=delivery_id, story=StoryRef(id=5))
    blocks: list[dict[str, Any]] = SlackNotifier(config).payload(alert)["blocks"]
    return blocks


def button(blocks: list[dict[str, Any]], action: str) -> dict[str, Any]:
    feedback = next(b for b in blocks if b.get("block_id") == BLOCK_ID)
    return next(e for e in feedback["elements"] if e["action_id"] == "newswatch." + action)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    # The alerts pressed on below are outbox rows 11 and 12 of channel "deals".
    store = real_store(tmp_path, {"deals": 12})
    with FakeSlack() as fake:
        config = slack_config(fake)
        results: list[str] = []
        listener = FeedbackListener([config], store, on_result=results.append, now=lambda: NOW)
        await listener.start()
        await eventually(lambda: fake.sockets.open_sockets() == 1, "the Socket Mode connection")
        try:
            yield Rig(fake, store, listener, results, config)
        finally:
            await listener.aclose()
            store.close()
        await eventually(lambda: fake.sockets.open_sockets() == 0, "the socket closed")


async def test_each_button_is_acknowledged_stored_and_shown_on_the_message(rig: Rig) -> None:
    fake, store = rig.fake, rig.store
    blocks = alert_blocks(rig.config)
    # The bot's team was learnt with the bot token; the socket was opened with the app token.
    (auth,) = fake.calls_to("auth.test")
    assert auth.headers["Authorization"] == "Bearer xoxb-bot"
    (opened,) = fake.calls_to("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"

    expected = {
        "mute": "<@U0READER> muted Meta until <!date^",
        "not_relevant": "<@U0READER> marked this not relevant",
        "snooze": "<@U0READER> snoozed this story until <!date^",
        "relevant": None,  # its button went with "not relevant"
    }
    for i, action in enumerate(["mute", "not_relevant", "snooze"], 1):
        value = button(blocks, action)["value"]
        await rig.press(press_envelope(f"E{i}", f"newswatch.{action}", value, blocks=blocks))
        await eventually(lambda i=i: len(fake.calls_to("chat.update")) == i, "chat.update")
        update = fake.calls_to("chat.update")[-1].body
        assert update["channel"] == "C001" and update["ts"] == "1700000000.000100"
        assert update["text"] == "an alert"
        assert fake.calls_to("chat.update")[-1].headers["Authorization"] == "Bearer xoxb-bot"
        context = [b for b in update["blocks"] if b["type"] == "context"][-1]
        assert context["elements"][0]["text"].startswith(str(expected[action]))
        assert update["blocks"][: len(blocks) - 1] == blocks[:-1]  # the alert is kept
        blocks = update["blocks"]  # what Slack now shows, and sends with the next press

    assert not any(b.get("block_id") == BLOCK_ID for b in blocks)  # no button applies any more
    events = stored_events(store)
    assert [e.action for e in events] == ["mute", "not_relevant", "snooze"]
    mute, label, snooze = events
    assert mute == FeedbackEvent(
        action="mute",
        delivery_id=11,
        channel="deals",
        user="U0READER",
        user_name="ann",
        at=NOW,
        party="Meta",
        envelope_id="E1",
    )
    assert label.party is None and snooze.party is None
    holds = stored_holds(store)
    pressed = store.get_delivery(11)
    assert pressed is not None and pressed.alert.story is not None
    story = str(pressed.alert.story.id)  # the store's story of row 11 (the button does not say)
    assert [(h.kind, h.key) for h in holds] == [("mute", "meta"), ("snooze", story)]
    assert [h.expires_at - h.created_at for h in holds] == [timedelta(days=7)] * 2
    assert fake.acks() == ["E1", "E2", "E3"]
    assert rig.results == ["accepted"] * 3

    # "Relevant" on another alert: recorded, and both label buttons go.
    other = alert_blocks(rig.config, delivery_id=12)
    value = button(other, "relevant")["value"]
    await rig.press(press_envelope("E4", "newswatch.relevant", value, blocks=other))
    await eventually(lambda: len(fake.calls_to("chat.update")) == 4, "chat.update")
    update = fake.calls_to("chat.update")[-1].body
    remaining = next(b for b in update["blocks"] if b.get("block_id") == BLOCK_ID)
    assert [e["action_id"] for e in remaining["elements"]] == ["newswatch.mute", "newswatch.snooze"]
    last = stored_events(store)[-1]
    assert last.action == "relevant" and last.delivery_id == 12


async def test_the_acknowledgement_comes_before_the_store() -> None:
    store = RecordingFeedbackStore({11: "deals"})
    store.gate = gate = threading.Event()
    with FakeSlack() as fake:
        config = slack_config(fake)
        results: list[str] = []
        listener = FeedbackListener([config], store, on_result=results.append, now=lambda: NOW)
        await listener.start()
        try:
            await eventually(lambda: fake.sockets.open_sockets() == 1, "the connection")
            value = button(alert_blocks(config), "not_relevant")["value"]
            # The store holds the press until the test opens the gate: the ack cannot wait for it.
            fake.push(press_envelope("E-slow", "newswatch.not_relevant", value))
            await eventually(lambda: fake.acks() == ["E-slow"], "the acknowledgement")
            assert store.events == [] and results == []
            gate.set()
            await eventually(lambda: results, "the press stored")
            assert results == ["accepted"] and len(store.events) == 1
        finally:
            gate.set()
            await listener.aclose()


def _foreign(value: str) -> dict[str, Any]:
    return press_envelope("E-foreign", "newswatch.not_relevant", value, team="T0OTHER")


def _unknown_action(value: str) -> dict[str, Any]:
    return press_envelope("E-unknown", "newswatch.delete_everything", value)


def _bad_value(value: str) -> dict[str, Any]:
    return press_envelope("E-bad", "newswatch.not_relevant", "{not json")


def _mute_without_party(value: str) -> dict[str, Any]:
    return press_envelope("E-noparty", "newswatch.mute", value)


def _other_channel(value: str) -> dict[str, Any]:
    return press_envelope("E-chan", "newswatch.relevant", json.dumps({"d": 11, "c": "elsewhere"}))


def _events_api(value: str) -> dict[str, Any]:
    return {"envelope_id": "E-events", "type": "events_api", "payload": {"type": "event"}}


def _view_submission(value: str) -> dict[str, Any]:
    envelope = press_envelope("E-view", "newswatch.relevant", value)
    envelope["payload"]["type"] = "view_submission"
    return envelope


def _no_payload(value: str) -> dict[str, Any]:
    return {"envelope_id": "E-nopayload", "type": "interactive"}


def _two_actions(value: str) -> dict[str, Any]:
    envelope = press_envelope("E-two", "newswatch.relevant", value)
    envelope["payload"]["actions"] *= 2
    return envelope


def _no_user(value: str) -> dict[str, Any]:
    envelope = press_envelope("E-nouser", "newswatch.relevant", value)
    del envelope["payload"]["user"]
    return envelope


@pytest.mark.parametrize(
    ("make", "result", "why"),
    [
        (_foreign, "foreign_team", "team 'T0OTHER' is not the bot's"),
        (_unknown_action, "unknown_action", "action 'newswatch.delete_everything'"),
        (_bad_value, "bad_value", "unreadable value"),
        (_mute_without_party, "bad_value", "unreadable value for mute"),
        (_other_channel, "unknown_channel", "channel 'elsewhere' is not heard here"),
        (_events_api, "not_interactive", "type 'events_api' is not ours"),
        (_view_submission, "not_block_actions", "'view_submission' is not block_actions"),
        (_no_payload, "not_block_actions", "payload type None"),
        (_two_actions, "malformed", "exactly one action"),
        (_no_user, "malformed", "no user"),
    ],
)
async def test_foreign_or_broken_envelopes_are_acknowledged_refused_and_change_nothing(
    rig: Rig,
    caplog: pytest.LogCaptureFixture,
    make: Callable[[str], dict[str, Any]],
    result: str,
    why: str,
) -> None:
    value = button(alert_blocks(rig.config), "not_relevant")["value"]
    envelope = make(value)
    with caplog.at_level(logging.WARNING, logger="alerts.slack_listener"):
        await rig.press(envelope)
        await rig.settle(1)
    assert rig.results == [result]
    assert rig.fake.acks() == [envelope["envelope_id"]]
    lines = [r.getMessage() for r in caplog.records if r.name == "alerts.slack_listener"]
    assert len(lines) == 1 and why in lines[0], lines
    assert lines[0].startswith(f"slack feedback: refused envelope {envelope['envelope_id']}: ")
    assert stored_events(rig.store) == [] and rig.fake.calls_to("chat.update") == []


async def test_text_that_is_no_envelope_is_refused(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="alerts.slack_listener"):
        for text in ("not json at all", '{"type": "interactive", "payload"', "[1, 2]", "{}"):
            await rig.press(text)
        await rig.settle(4)
    assert rig.results == ["malformed"] * 4
    lines = [r.getMessage() for r in caplog.records if r.name == "alerts.slack_listener"]
    assert len(lines) == 4 and all("refused envelope -: " in line for line in lines)
    assert rig.fake.acks() == [] and stored_events(rig.store) == []
    # The connection survives garbage: a real press still works.
    value = button(alert_blocks(rig.config), "relevant")["value"]
    await rig.press(press_envelope("E-after", "newswatch.relevant", value))
    await rig.settle(5)
    assert rig.results[-1] == "accepted"


async def test_a_replayed_envelope_is_refused_by_the_listener_then_by_the_store(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    value = button(alert_blocks(rig.config), "not_relevant")["value"]
    envelope = press_envelope("E-once", "newswatch.not_relevant", value)
    await rig.press(envelope)
    await rig.settle(1)
    await eventually(lambda: len(rig.fake.calls_to("chat.update")) == 1, "chat.update")
    with caplog.at_level(logging.WARNING, logger="alerts.slack_listener"):
        await rig.press(envelope)
        await rig.settle(2)
    assert rig.results == ["accepted", "replay"]
    assert rig.fake.acks() == ["E-once", "E-once"]
    assert "refused envelope E-once: envelope id seen before" in caplog.text

    # A restarted listener has forgotten the id: the store refuses it, and nothing is updated.
    results: list[str] = []
    again = FeedbackListener([rig.config], rig.store, on_result=results.append)
    await rig.listener.aclose()
    await eventually(lambda: rig.fake.sockets.open_sockets() == 0, "the old socket closed")
    await again.start()
    try:
        await eventually(lambda: rig.fake.sockets.open_sockets() == 1, "the new connection")
        with caplog.at_level(logging.WARNING, logger="alerts.slack_listener"):
            await rig.press(envelope)
            await eventually(lambda: results, "a result")
        assert results == ["refused_by_store"]
        assert "the store refused not_relevant on delivery 11 of deals" in caplog.text
    finally:
        await again.aclose()
    assert len(stored_events(rig.store)) == 1 and len(rig.fake.calls_to("chat.update")) == 1


async def test_a_press_on_an_unknown_delivery_changes_nothing(rig: Rig) -> None:
    value = json.dumps({"d": 999, "c": "deals"})
    await rig.press(press_envelope("E-999", "newswatch.not_relevant", value))
    await rig.settle(1)
    assert rig.results == ["refused_by_store"]
    assert stored_events(rig.store) == [] and rig.fake.calls_to("chat.update") == []


async def test_replay_memory_is_bounded(rig: Rig) -> None:
    rig.listener.seen_max = 2
    for i in range(4):
        await rig.press(press_envelope(f"E{i}", "newswatch.frobnicate", "{}"))
    await rig.settle(4)
    assert [len(c.seen) for c in rig.listener._connections] == [2]


async def test_a_failed_chat_update_keeps_the_press(rig: Rig) -> None:
    value = button(alert_blocks(rig.config), "snooze")["value"]
    rig.fake.script(error("message_not_found"))
    await rig.press(press_envelope("E-gone", "newswatch.snooze", value))
    await eventually(lambda: rig.fake.calls_to("chat.update"), "chat.update")
    assert rig.results == ["accepted"] and len(stored_events(rig.store)) == 1


async def test_one_connection_per_app_token_and_the_spans_of_each_channel(tmp_path: Path) -> None:
    store = real_store(tmp_path, {"deals": 1, "hires": 1})
    with FakeSlack() as fake:
        deals = slack_config(fake, "deals", mute_for="2d", snooze_for="6h")
        hires = slack_config(fake, "hires")
        other = slack_config(fake, "other", app_token="xapp-2-other")
        plain = parse_channel(
            {
                "name": "plain",
                "kind": "slack",
                "token": "x",
                "channel": "#p",
                "api_url": fake.api_url,
            }
        )
        assert isinstance(plain, SlackChannel)
        listener = FeedbackListener([deals, hires, other, plain], store)
        await listener.start()
        try:
            assert listener.connections == 2
            await eventually(lambda: fake.sockets.open_sockets() == 2, "two connections")
            tokens = sorted(
                c.headers["Authorization"] for c in fake.calls_to("apps.connections.open")
            )
            assert tokens == [f"Bearer {APP_TOKEN}", "Bearer xapp-2-other"]
            assert len(fake.calls_to("auth.test")) == 3
            value = json.dumps({"d": 1, "c": "deals", "p": "Meta"})
            # Pushed down both sockets: the other token's connection does not hear "deals".
            results: list[str] = []
            listener.on_result = results.append
            fake.push(press_envelope("E-both", "newswatch.mute", value))
            await eventually(lambda: len(results) == 2, "both connections")
            assert sorted(results) == ["accepted", "unknown_channel"]
            assert len(stored_events(store)) == 1
            [hold] = store.active_holds(now=datetime.now(UTC))
            assert (hold.channel, hold.expires_at - hold.created_at) == ("deals", timedelta(days=2))
            # Snoozes of "deals" last its snooze_for.
            snooze = json.dumps({"d": 1, "c": "deals"})
            fake.push(press_envelope("E-snooze", "newswatch.snooze", snooze))
            await eventually(lambda: len(results) == 4, "both connections again")
            hold = max(store.active_holds(now=datetime.now(UTC)), key=lambda h: h.id)
            assert (hold.kind, hold.expires_at - hold.created_at) == ("snooze", timedelta(hours=6))
        finally:
            await listener.aclose()
            store.close()
        await eventually(lambda: fake.sockets.open_sockets() == 0, "closed sockets")


async def test_a_refused_app_token_is_retried_with_one_line_each_time(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setattr(slack_listener, "RETRY_FIRST", 0.05)
    with FakeSlack() as fake, real_store(tmp_path, {}) as store:
        # auth.test, then apps.connections.open refused twice.
        fake.script(ok(), error("invalid_auth"), error("invalid_auth"))
        listener = FeedbackListener([slack_config(fake)], store)
        with caplog.at_level(logging.INFO, logger="alerts.slack_listener"):
            await listener.start()
            try:
                await eventually(lambda: fake.sockets.open_sockets() == 1, "the third attempt")
            finally:
                await listener.aclose()
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(lines) == 2 and all("cannot open Socket Mode: invalid_auth" in x for x in lines)
        assert APP_TOKEN not in caplog.text


def test_recording_store_is_a_feedback_store() -> None:
    store: FeedbackStore = RecordingFeedbackStore({})
    assert store.active_holds(now=NOW) == []


async def test_a_dispatched_alert_carries_buttons_whose_press_reaches_the_store(
    tmp_path: Any,
) -> None:
    """The whole way: an outbox row of the real store, dispatched to the fake Slack with its
    buttons, pressed there, stored in the same store, and the posted message edited."""
    from alerts.dispatcher import Dispatcher
    from scheduler.store import open_store
    from tests.alerts.helpers import fill

    store = open_store(f"sqlite:///{tmp_path / 'nw.db'}")
    try:
        (delivery_id,) = fill(store, 1, ["deals"])
        with FakeSlack() as fake:
            config = slack_config(fake, rate_limit=0)
            async with Dispatcher(store, [config]) as dispatcher:
                assert (await dispatcher.run_once()).sent == 1
            (post,) = fake.calls_to("chat.postMessage")
            blocks = post.body["blocks"]
            mute = button(blocks, "mute")
            assert json.loads(mute["value"]) == {"d": delivery_id, "c": "deals", "p": "Meta"}

            pressed_at = datetime.now(UTC)
            listener = FeedbackListener([config], store, now=lambda: pressed_at)
            await listener.start()
            try:
                await eventually(lambda: fake.sockets.open_sockets() == 1, "the connection")
                envelope = press_envelope(
                    "E-real",
                    "newswatch.mute",
                    mute["value"],
                    channel_id=fake.channel_id("#deals"),
                    ts=post.body["_ts"],
                    blocks=blocks,
                    text=post.body["text"],
                )
                fake.push(envelope)
                await eventually(lambda: fake.calls_to("chat.update"), "chat.update")
            finally:
                await listener.aclose()
        (hold,) = store.active_holds(now=pressed_at, channel="deals")
        assert (hold.kind, hold.key, hold.label) == ("mute", "meta", "Meta")
        assert (hold.created_by, hold.expires_at) == ("ann", pressed_at + MUTE_FOR)
        # The press itself is stored once: the same envelope again is refused as a replay.
        replay = FeedbackEvent("mute", delivery_id, "deals", "U0", "x", pressed_at, "Meta")
        replay = replace(replay, envelope_id="E-real")
        assert store.record_feedback(replay) is None
        update = fake.calls_to("chat.update")[0].body
        assert (update["channel"], update["ts"]) == ("C001", post.body["_ts"])
        assert "muted Meta until" in update["blocks"][-2]["elements"][0]["text"]
    finally:
        store.close()


async def test_a_disconnect_envelope_makes_the_client_call_again(rig: Rig) -> None:
    rig.fake.push({"type": "disconnect", "reason": "refresh_requested"})
    await eventually(lambda: rig.fake.sockets.connections == 2, "a second connection")
    await eventually(lambda: rig.fake.sockets.open_sockets() == 1, "the old socket closed")
    assert len(rig.fake.calls_to("apps.connections.open")) == 2
    value = button(alert_blocks(rig.config), "relevant")["value"]
    await rig.press(press_envelope("E-new", "newswatch.relevant", value))
    await rig.settle(1)
    assert rig.results == ["accepted"]  # a disconnect is Slack's, not a refused envelope


async def test_snoozing_an_alert_without_a_story_says_so(rig: Rig) -> None:
    alert = replace(make_alert(), delivery_id=12)  # no story
    blocks = SlackNotifier(rig.config).payload(alert)["blocks"]
    snooze = button(blocks, "snooze")
    assert snooze["text"]["text"] == "Snooze alert"
    envelope = press_envelope(
        "E-alert", "newswatch.snooze", snooze["value"], blocks=blocks, button_text="Snooze alert"
    )
    await rig.press(envelope)
    await eventually(lambda: rig.fake.calls_to("chat.update"), "chat.update")
    update = rig.fake.calls_to("chat.update")[0].body
    line = [b for b in update["blocks"] if b["type"] == "context"][-1]["elements"][0]["text"]
    assert line.startswith("<@U0READER> snoozed this alert until <!date^")
