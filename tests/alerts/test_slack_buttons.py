"""Slack's feedback buttons: which alerts carry them, their party, text and value limits, and the
message after a press."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from alerts.channels import SlackChannel, parse_channel
from alerts.feedback import FeedbackOutcome, Hold, holding, party_key
from alerts.model import StoryRef
from alerts.render import Digest
from alerts.slack import SlackNotifier
from alerts.slack_buttons import (
    BLOCK_ID,
    BUTTON_TEXT_MAX,
    VALUE_MAX,
    ButtonValue,
    action_of,
    party_of,
    press_line,
    span_text,
    updated_blocks,
)
from crawler.matching.types import EntityRef, Event, Evidence, Match
from tests.alerts.conftest import make_alert

T = datetime(2026, 6, 12, 14, 0, tzinfo=UTC)


def channel(**extra: object) -> SlackChannel:
    config = parse_channel(
        {"name": "deals", "kind": "slack", "token": "xoxb-1", "channel": "#deals", **extra}
    )
    assert isinstance(config, SlackChannel)
    return config


def feedback_of(blocks: list[dict]) -> dict | None:
    found = [b for b in blocks if b.get("block_id") == BLOCK_ID]
    assert len(found) <= 1
    return found[0] if found else None


def test_buttons_only_with_an_app_token_and_a_delivery() -> None:
    alert = replace(make_alert(), delivery_id=41)
    with_app = SlackNotifier(channel(app_token="xapp-1"))
    without = SlackNotifier(channel())
    assert feedback_of(without.payload(alert)["blocks"]) is None
    block = feedback_of(with_app.payload(alert)["blocks"])
    assert block is not None and with_app.payload(alert)["blocks"][-1] is not None
    ids = [e["action_id"] for e in block["elements"]]
    assert ids == [
        "newswatch.relevant",
        "newswatch.not_relevant",
        "newswatch.mute",
        "newswatch.snooze",
    ]
    texts = [e["text"]["text"] for e in block["elements"]]
    assert texts == ["Relevant", "Not relevant", "Mute Meta for 7 days", "Snooze alert"]
    mute = block["elements"][2]
    assert json.loads(mute["value"]) == {"d": 41, "c": "deals", "p": "Meta"}
    assert ButtonValue.decode(block["elements"][0]["value"]) == ButtonValue(41, "deals")
    # No delivery id (a test alert): nothing a press could be stored against.
    assert feedback_of(with_app.payload(make_alert())["blocks"]) is None
    # A digest folds several deliveries into one message: no buttons.
    digest = Digest(channel="deals", alerts=(alert,))
    assert feedback_of(with_app.payload(digest)["blocks"]) is None


def test_snooze_names_the_story_and_mute_the_configured_span() -> None:
    alert = replace(make_alert(), delivery_id=7, story=StoryRef(id=3))
    notifier = SlackNotifier(channel(app_token="xapp-1", mute_for="36h"))
    block = feedback_of(notifier.payload(alert)["blocks"])
    assert block is not None
    texts = [e["text"]["text"] for e in block["elements"]]
    assert texts[2:] == ["Mute Meta for 36 hours", "Snooze story"]
    assert (
        span_text(timedelta(days=1)) == "1 day" and span_text(timedelta(minutes=90)) == "90 minutes"
    )


def test_party_rule_actor_then_target_then_roles() -> None:
    base = make_alert()
    match = base.matches[0]
    assert party_of(base) == "Meta"  # no event: the investor comes before the target
    hire = replace(match, event=Event(kind="hiring", actor="OpenAI", target="Jane Doe"))
    assert party_of(replace(base, matches=(hire,))) == "OpenAI"
    rumour = replace(match, event=Event(kind="deal", target="Cleverly.ai"))
    assert party_of(replace(base, matches=(rumour,))) == "Cleverly.ai"
    person_only = replace(match, entities=(EntityRef("Ann Lee", "person"), EntityRef("X", None)))
    assert party_of(replace(base, matches=(person_only,))) == "Ann Lee"
    nobody = replace(match, entities=(EntityRef("Somewhere", None),))
    alert = replace(base, matches=(nobody,), delivery_id=5)
    assert party_of(alert) is None
    block = feedback_of(SlackNotifier(channel(app_token="xapp-1")).payload(alert)["blocks"])
    assert block is not None
    assert [e["action_id"] for e in block["elements"]] == [
        "newswatch.relevant",
        "newswatch.not_relevant",
        "newswatch.snooze",
    ]


def test_long_or_hostile_party_stays_within_slack_limits() -> None:
    long_name = "Very Long Holding Company " * 7 + "\u202eevil\nline"
    match = Match(
        watchlist="w",
        score=0.9,
        kind="deal",
        entities=(EntityRef(long_name.strip(), "acquirer"),),
        evidence=(Evidence("x"),),
    )
    alert = replace(make_alert(), matches=(match,), delivery_id=2**40)
    block = feedback_of(SlackNotifier(channel(app_token="xapp-1")).payload(alert)["blocks"])
    assert block is not None
    for element in block["elements"]:
        assert len(element["text"]["text"]) <= BUTTON_TEXT_MAX
        assert len(element["value"]) <= VALUE_MAX
    mute = next(e for e in block["elements"] if e["action_id"] == "newswatch.mute")
    party = json.loads(mute["value"])["p"]
    assert "\u202e" not in party and "\n" not in party
    assert mute["text"]["text"].endswith("… for 7 days")


def test_feedback_block_survives_the_block_limit() -> None:
    evidence = tuple(Evidence(f"sentence {i}") for i in range(80))
    match = replace(make_alert().matches[0], evidence=evidence)
    alert = replace(make_alert(), matches=(match,), delivery_id=3)
    blocks = SlackNotifier(channel(app_token="xapp-1")).payload(alert)["blocks"]
    assert len(blocks) <= SlackNotifier.blocks_max
    assert blocks[-1]["block_id"] == BLOCK_ID


def test_values_decode_only_when_ours() -> None:
    assert ButtonValue.decode('{"d":3,"c":"deals","p":"Meta"}') == ButtonValue(3, "deals", "Meta")
    for bad in (
        None,
        3,
        "",
        "nope",
        "[1]",
        '{"d":"3","c":"x"}',
        '{"d":true,"c":"x"}',
        '{"d":0,"c":"x"}',
        '{"d":3}',
        '{"d":3,"c":"x","p":5}',
        "x" * 2001,
    ):
        assert ButtonValue.decode(bad) is None, bad
    assert action_of("newswatch.mute") == "mute"
    assert action_of("newswatch.delete") is None and action_of("open_article") is None


def test_message_after_presses_keeps_the_alert_and_drops_moot_buttons() -> None:
    alert = replace(make_alert(title="<!channel> & co"), delivery_id=9, story=StoryRef(id=1))
    blocks = SlackNotifier(channel(app_token="xapp-1")).payload(alert)["blocks"]
    hold = Hold(1, "mute", "deals", "meta", "Meta <&>", "U1", T, T + timedelta(days=7))
    line = press_line("mute", "<@U1>", "Meta", FeedbackOutcome(1, hold))
    assert line.startswith("<@U1> muted Meta &lt;&amp;&gt; until <!date^")
    assert "2026-06-19 14:00 UTC>" in line
    after = updated_blocks(blocks, "mute", line)
    assert after[: len(blocks) - 1] == blocks[:-1]  # the alert itself is unchanged
    ids = [e["action_id"] for e in feedback_of(after)["elements"]]  # type: ignore[index]
    assert ids == ["newswatch.relevant", "newswatch.not_relevant", "newswatch.snooze"]
    assert after[-2]["type"] == "context" and after[-2]["elements"][0]["text"] == line
    label = press_line("not_relevant", "<@U2>", None, FeedbackOutcome(2))
    assert label == "<@U2> marked this not relevant"
    again = updated_blocks(after, "not_relevant", label)
    assert [e["action_id"] for e in feedback_of(again)["elements"]] == ["newswatch.snooze"]  # type: ignore[index]
    snooze = Hold(2, "snooze", "deals", "1", "story", "U3", T, T + timedelta(days=7))
    last = press_line("snooze", "<@U3>", None, FeedbackOutcome(3, snooze))
    final = updated_blocks(again, "snooze", last)
    assert feedback_of(final) is None
    assert [b["elements"][0]["text"] for b in final if b["type"] == "context"][-3:] == [
        line,
        label,
        last,
    ]
    assert last.startswith("<@U3> snoozed this story until <!date^")


@pytest.mark.parametrize(
    "name",
    [
        "Meta",
        "Meta Platforms, Inc.",
        "ＯｐｅｎＡＩ",  # full-width: NFKC
        "Scale\nAI",  # a line break the button shows as a space
        "Scale\tAI\x00Labs",  # control characters
        "\u202eMeta\u202c",  # bidi override around the name
        "Cleverly\u2066.ai\u2069",  # bidi isolate inside it
        "  Ann   Lee  ",
    ],
)
@pytest.mark.parametrize("where", ["actor", "target", "entity"])
def test_the_party_a_mute_button_names_is_the_party_the_dispatcher_holds(
    name: str, where: str
) -> None:
    """The mute button's party, stored the way the store keys it (``party_key`` of the pressed
    value's party), holds the very alert it was shown on (``holding``, the dispatcher's check)."""
    base = replace(make_alert(), delivery_id=9)
    match = base.matches[0]
    if where == "entity":
        match = replace(match, entities=(EntityRef(name, "acquirer"),))
    elif where == "actor":
        match = replace(match, entities=(), event=Event(kind="deal", actor=name, target=None))
    else:
        match = replace(match, entities=(), event=Event(kind="deal", target=name))
    alert = replace(base, matches=(match,))
    block = feedback_of(SlackNotifier(channel(app_token="xapp-1")).payload(alert)["blocks"])
    assert block is not None
    [mute] = [e for e in block["elements"] if e["action_id"] == "newswatch.mute"]
    value = ButtonValue.decode(mute["value"])
    assert value is not None and value.party is not None
    key = party_key(value.party.strip())  # what FeedbackTables.record_feedback stores
    hold = Hold(1, "mute", "deals", key, value.party, "U1", T, T + timedelta(days=7))
    assert holding([hold], alert) == hold, (value.party, key)
    # And only that party: the same alert about somebody else is not held.
    other = replace(
        alert, matches=(replace(match, entities=(EntityRef("Nvidia", "acquirer"),), event=None),)
    )
    assert holding([hold], other) is None
