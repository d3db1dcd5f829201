# ruff: noqa: F811 - `store` is the real-store fixture of test_store_dispatch, imported
"""Stories through the dispatcher, over the real store (SQLite and PostgreSQL) and the fake
Slack: a later report waits for its story's first message and replies in its thread; when the
first message failed for good, the report goes out as an alert of its own. Plus the story parts
of rendering: one digest entry per story with its outlets, ``story_id`` and ``event`` in JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from alerts.channels import parse_channel
from alerts.dispatcher import Dispatcher
from alerts.model import Outlet, StoryRef
from alerts.render import alert_json, one_per_story, outlets_line
from scheduler.store.schema import deliveries
from tests.alerts.conftest import make_alert
from tests.alerts.test_store_dispatch import store  # noqa: F401 - the store fixture
from tests.scheduler.story_reports import save_report
from tests.servers.fake_slack import FakeSlack, error, rate_limited


def save_story(store: Any) -> list[int]:
    """Two reports of one hire, routed to the "slack" channel in thread mode."""
    store.configure_stories(updates={"slack": "thread"})
    return [
        delivery
        for i in range(2)
        for delivery in save_report(store, i, datetime(2026, 11, 2, 9, i, tzinfo=UTC))
    ]


def slack(fake: FakeSlack) -> Any:
    return parse_channel(
        {
            "name": "slack",
            "kind": "slack",
            "token": "xoxb-t",
            "channel": "#ai",
            "api_url": fake.api_url,
            "rate_limit": 0,
        }
    )


def make_due(store: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(deliveries).values(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC)))


async def test_reply_waits_for_its_parent_then_threads(store: Any, fake_slack: FakeSlack) -> None:
    parent_id, reply_id = save_story(store)
    fake_slack.script(rate_limited(30))  # the parent's first attempt fails for now
    async with Dispatcher(store, [slack(fake_slack)]) as d:
        await d.run_once()
        assert fake_slack.posted() == []  # the reply did not jump ahead of its parent
        assert store.get_delivery(reply_id).status == "pending"
        make_due(store)
        d._paused_until.clear()
        await d.run_once()
        await d.run_once()
    top, replies = fake_slack.top_level(), fake_slack.replies()
    assert len(top) == 1 and len(replies) == 1
    assert replies[0].body["thread_ts"] == top[0].body["_ts"]
    assert replies[0].body["channel"] == "C001"
    assert "Also reported by" in replies[0].body["text"]
    assert "reply_broadcast" not in replies[0].body
    assert store.get_delivery(parent_id).status == "sent"


async def test_update_of_a_failed_parent_goes_top_level(store: Any, fake_slack: FakeSlack) -> None:
    _parent_id, reply_id = save_story(store)
    fake_slack.script(error("channel_is_archived"))  # permanent: the parent fails for good
    async with Dispatcher(store, [slack(fake_slack)]) as d:
        await d.run_once()
        await d.run_once()
    assert store.get_delivery(reply_id).status == "sent"
    top = fake_slack.top_level()
    assert len(top) == 1 and not fake_slack.replies()
    assert top[0].body["blocks"][0]["type"] == "header"  # a full alert, not a reply line


def test_one_digest_entry_per_story_with_its_outlets() -> None:
    outlets = (Outlet("wire", "https://w.example/1"), Outlet("bytes", "https://b.example/2"))
    first = make_alert(1, "Meta hires Priya Raman")
    first = type(first)(**{**_fields(first), "story": StoryRef(7, "new", outlets)})
    later = type(first)(**{**_fields(first), "article_id": 2, "story": StoryRef(7, "update")})
    other = make_alert(3, "Apple buys Vocalis")
    assert one_per_story([first, later, other]) == (first, other)
    assert outlets_line(first) == "reported by wire, bytes"
    data = alert_json(later)
    assert (data["story_id"], data["event"]) == (7, "update")
    assert alert_json(other)["story_id"] is None and alert_json(other)["event"] == "new"


def _fields(alert: Any) -> dict[str, Any]:
    return {name: getattr(alert, name) for name in alert.__slots__}


async def test_webhook_slack_drops_echoes_and_posts_material_updates(
    fake_slack: FakeSlack,
) -> None:
    """Through an incoming webhook there is no ts to thread on: "also reported by" is not
    posted again as an alert, a material update is."""
    from alerts.slack import SlackNotifier

    cfg = parse_channel({"name": "hook", "kind": "slack", "webhook_url": fake_slack.webhook_url})
    notifier = SlackNotifier(cfg)
    alert = make_alert(1, "Nvidia closes its purchase of Lumora")
    echo = type(alert)(**{**_fields(alert), "story": StoryRef(3, "update", threaded=True)})
    news = type(alert)(
        **{**_fields(alert), "story": StoryRef(3, "update", material=True, threaded=True)}
    )
    try:
        assert await notifier.send(echo) is None
        assert fake_slack.posted() == []
        await notifier.send(news)
        assert len(fake_slack.posted()) == 1
    finally:
        await notifier.aclose()
