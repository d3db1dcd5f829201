"""Readers' feedback in the real store (SQLite and PostgreSQL): a press and its hold are stored
together, a replayed or foreign press stores nothing, mutes and snoozes expire and can be
lifted, labels come back latest first per alert, and retention drops old presses and holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from alerts.feedback import FeedbackEvent, FeedbackStore, party_key
from scheduler.store import Store, open_store
from scheduler.store.schema import deliveries, feedback, holds
from tests.scheduler.story_reports import save_report
from tests.scheduler.test_store import FakeClock, make_article, make_match

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[Store]:
    s = open_store(db_url, clock=clock)
    try:
        yield s
    finally:
        s.close()


def alert(store: Store, url: str = "https://a.example/1", channels: tuple[str, ...] = ("slack",)):
    """One matching article routed to ``channels``; its delivery ids."""
    result = store.save_article(make_article(url), [make_match("deals", 0.9)], {"deals": channels})
    return result.delivery_ids


def press(
    delivery_id: int,
    action: str,
    *,
    at: datetime = T0,
    channel: str = "slack",
    party: str | None = None,
    envelope: str = "",
    user: str = "U1",
) -> FeedbackEvent:
    return FeedbackEvent(action, delivery_id, channel, user, f"name of {user}", at, party, envelope)  # type: ignore[arg-type]


def rows(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(feedback)).scalar_one(),
            conn.execute(select(func.count()).select_from(holds)).scalar_one(),
        )


def test_the_store_is_a_feedback_store(store: Store) -> None:
    typed: FeedbackStore = store
    assert typed is store


def test_a_press_is_stored_once_and_a_replay_or_foreign_press_not_at_all(store: Store) -> None:
    [delivery] = alert(store)
    outcome = store.record_feedback(press(delivery, "not_relevant", envelope="E1"))
    assert outcome is not None and outcome.hold is None and outcome.feedback_id > 0
    assert rows(store) == (1, 0)
    # The same envelope again (Slack retries, or a replay): nothing, even as another action.
    assert store.record_feedback(press(delivery, "mute", party="Meta", envelope="E1")) is None
    # A delivery that does not exist, or that belongs to another channel.
    assert store.record_feedback(press(delivery + 99, "mute", party="Meta")) is None
    assert store.record_feedback(press(delivery, "mute", channel="email", party="Meta")) is None
    # An action no button sends.
    assert store.record_feedback(press(delivery, "delete_everything", envelope="E9")) is None
    # A mute that names no party.
    assert store.record_feedback(press(delivery, "mute", party="  ")) is None
    assert rows(store) == (1, 0)
    # Presses without an envelope id are all kept.
    assert store.record_feedback(press(delivery, "relevant")) is not None
    assert store.record_feedback(press(delivery, "relevant")) is not None
    assert rows(store) == (3, 0)


def test_a_mute_holds_its_party_per_channel_until_it_expires_or_is_lifted(store: Store) -> None:
    slack, email = alert(store, channels=("slack", "email"))
    outcome = store.record_feedback(press(slack, "mute", party="Meta, Inc.", envelope="M1"))
    assert outcome is not None and outcome.hold is not None
    hold = outcome.hold
    assert (hold.kind, hold.channel, hold.key, hold.label) == (
        "mute",
        "slack",
        "meta",
        "Meta, Inc.",
    )
    assert hold.key == party_key("META") and hold.created_by == "name of U1"
    assert hold.expires_at == T0 + timedelta(days=7) and hold.lifted_at is None
    assert store.active_holds(now=T0) == [hold]
    assert store.active_holds(now=T0, channel="email") == []
    assert store.active_holds(now=T0 + timedelta(days=7)) == []  # expired

    # A second mute of the same party on the channel extends the first rather than doubling it.
    later = T0 + timedelta(days=2)
    again = store.record_feedback(press(slack, "mute", at=later, party="meta", user="U2"))
    assert again is not None and again.hold is not None
    assert again.hold.id == hold.id and again.hold.expires_at == later + timedelta(days=7)
    assert [h.expires_at for h in store.active_holds(now=later)] == [later + timedelta(days=7)]
    # Another channel's mute is its own.
    other = store.record_feedback(press(email, "mute", channel="email", party="Meta"))
    assert other is not None and other.hold is not None and other.hold.id != hold.id
    assert rows(store) == (3, 2)

    assert store.lift_hold(hold.id, now=later)
    assert not store.lift_hold(hold.id, now=later)  # lifted already
    assert not store.lift_hold(12345, now=later)
    assert [h.channel for h in store.active_holds(now=later)] == ["email"]


def test_custom_durations(store: Store) -> None:
    [delivery] = alert(store)
    outcome = store.record_feedback(
        press(delivery, "mute", party="Meta"), mute_for=timedelta(hours=3)
    )
    assert outcome is not None and outcome.hold is not None
    assert outcome.hold.expires_at == T0 + timedelta(hours=3)


def save_story(store: Store) -> list[int]:
    """Two reports of one hire, each alerting "slack": the delivery ids (first, update)."""
    store.configure_stories(updates={"slack": "new"})
    return [d for i in range(2) for d in save_report(store, i, T0 + timedelta(minutes=i))]


def test_a_snooze_holds_the_story_or_the_article_outside_one(store: Store) -> None:
    first, _update = save_story(store)
    delivery = store.get_delivery(first)
    assert delivery is not None and delivery.alert.story is not None
    outcome = store.record_feedback(press(first, "snooze"))
    assert outcome is not None and outcome.hold is not None
    assert outcome.hold.key == str(delivery.alert.story.id)
    assert outcome.hold.label  # the story's title
    assert outcome.hold.expires_at == T0 + timedelta(days=7)

    [lone] = alert(store, "https://a.example/lone")
    with store.engine.begin() as conn:  # an alert outside any story (clustering found none)
        conn.execute(update(deliveries).where(deliveries.c.id == lone).values(story_id=None))
    alone = store.record_feedback(press(lone, "snooze", at=T0 + timedelta(hours=1)))
    assert alone is not None and alone.hold is not None
    article = store.get_delivery(lone)
    assert article is not None
    assert alone.hold.key == f"article:{article.alert.article_id}"
    assert alone.hold.label == article.alert.title


def test_labelled_matches_are_the_latest_label_per_alert(store: Store) -> None:
    one, two, three = (alert(store, f"https://a.example/{i}")[0] for i in (1, 2, 3))
    at = T0
    for delivery, action in (
        (one, "relevant"),
        (two, "not_relevant"),
        (one, "not_relevant"),  # changed their mind
        (three, "mute"),  # not a label
    ):
        at += timedelta(minutes=1)
        party = "Meta" if action == "mute" else None
        assert store.record_feedback(press(delivery, action, at=at, party=party)) is not None
    labels = store.labelled_matches(since=T0)
    assert [(m.url, m.label) for m in labels] == [
        ("https://a.example/2", False),
        ("https://a.example/1", False),
    ]
    first = labels[0]
    assert first.title == "Title of https://a.example/2"
    assert first.text == "Body of https://a.example/2"
    assert (first.kind, first.watchlist, first.user) == ("deal", "deals", "U1")
    assert first.labelled_at == T0 + timedelta(minutes=2)
    assert store.labelled_matches(since=T0 + timedelta(minutes=3)) == [labels[1]]


def test_retention_drops_old_presses_and_expired_holds(store: Store, clock: Any) -> None:
    [delivery] = alert(store)
    store.record_feedback(press(delivery, "mute", party="Meta"))
    store.record_feedback(press(delivery, "not_relevant", at=T0 + timedelta(days=60)))
    fresh = store.record_feedback(
        press(delivery, "mute", at=T0 + timedelta(days=60), party="OpenAI")
    )
    assert fresh is not None and fresh.hold is not None
    removed = store.purge(T0 + timedelta(days=30))
    assert (removed["feedback"], removed["holds"]) == (1, 1)
    assert rows(store) == (2, 1)
    assert [h.id for h in store.active_holds(now=T0 + timedelta(days=61))] == [fresh.hold.id]
