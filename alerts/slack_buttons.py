"""Slack's feedback buttons: the party a mute names, the actions block, the press's value, and
the message after a press.

Each Slack alert of a channel with an app token ends with one actions block (block id
:data:`BLOCK_ID`): "Relevant", "Not relevant", "Mute <party> for 7 days" and "Snooze story". The
party is the best match's main party: its event's actor (acquirer, investor or hirer: the company
that keeps making news, so the one a reader tires of), else its target (company or person), else
the first entity in the roles acquirer, investor, hirer, target, person; an alert naming none has
no mute button. A button's value is compact JSON ``{"d": delivery id, "c": channel, "p": party}``
within Slack's 2000 characters; its text stays within 75. Button text is plain text (Slack does
not parse it); everything in the update's context line is mrkdwn-escaped like the rest of
:mod:`alerts.render_slack`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from alerts.feedback import FeedbackAction, FeedbackOutcome
from alerts.model import Alert
from alerts.render import best_match, one_line, strip_bidi, truncate
from alerts.render_slack import slack_escape

BLOCK_ID: Final = "newswatch_feedback"
ACTION_PREFIX: Final = "newswatch."
ACTIONS: Final[tuple[FeedbackAction, ...]] = ("relevant", "not_relevant", "mute", "snooze")
BUTTON_TEXT_MAX: Final = 75  # Slack's limit for a button's text
VALUE_MAX: Final = 2000  # Slack's limit for a button's value
BLOCKS_MAX: Final = 50  # Slack's limit of blocks per message
PARTY_MAX: Final = 200  # a longer "party" is no company name: no mute button
_ROLE_ORDER = ("acquirer", "investor", "hirer", "target", "person")
SNOOZE_STORY: Final = "Snooze story"
SNOOZE_ALERT: Final = "Snooze alert"  # an alert that belongs to no story
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def action_id(action: FeedbackAction) -> str:
    return ACTION_PREFIX + action


def action_of(action_id_: str) -> FeedbackAction | None:
    """The feedback action an ``action_id`` names, or None for anything else."""
    name = action_id_.removeprefix(ACTION_PREFIX) if action_id_.startswith(ACTION_PREFIX) else ""
    for action in ACTIONS:
        if action == name:
            return action
    return None


def party_of(alert: Alert) -> str | None:
    """The party "Mute" names (see the module docstring), cleaned to one line; None if none."""
    match = best_match(alert)
    if match is None:
        return None
    names: list[str | None] = []
    if match.event is not None:
        names += [match.event.actor, match.event.target]
    for role in _ROLE_ORDER:
        names += [e.name for e in match.entities if e.role == role]
    for name in names:
        clean = one_line(strip_bidi(name or ""))
        if clean and len(clean) <= PARTY_MAX:
            return clean
    return None


def span_text(span: timedelta) -> str:
    """``7 days``, ``1 day``, ``12 hours``, ``90 minutes``: how long a button holds alerts."""
    seconds = int(span.total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}" + ("" if n == 1 else "s")
    return f"{seconds} seconds"


@dataclass(frozen=True, slots=True)
class ButtonValue:
    """What a button carries back: the delivery, the newswatch channel, the party (mute)."""

    delivery_id: int
    channel: str
    party: str | None = None

    def encode(self) -> str:
        data: dict[str, Any] = {"d": self.delivery_id, "c": self.channel}
        if self.party is not None:
            data["p"] = self.party
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def decode(cls, value: object) -> ButtonValue | None:
        """Parse a pressed button's value; None when it is not one of ours."""
        if not isinstance(value, str) or len(value) > VALUE_MAX:
            return None
        try:
            data = json.loads(value)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        delivery, channel, party = data.get("d"), data.get("c"), data.get("p")
        if isinstance(delivery, bool) or not isinstance(delivery, int) or delivery <= 0:
            return None
        if not isinstance(channel, str) or not channel:
            return None
        if party is not None and (not isinstance(party, str) or not party.strip()):
            return None
        return cls(delivery, channel, party)


def _button(action: FeedbackAction, text: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, BUTTON_TEXT_MAX), "emoji": False},
        "action_id": action_id(action),
        "value": value,
    }


def feedback_block(alert: Alert, channel: str, mute_for: timedelta) -> dict[str, Any] | None:
    """The actions block of an alert that went out as outbox row ``alert.delivery_id``; None
    when the alert names no delivery (nothing a press could be stored against)."""
    if alert.delivery_id is None:
        return None
    plain = ButtonValue(alert.delivery_id, channel).encode()
    buttons = [
        _button("relevant", "Relevant", plain),
        _button("not_relevant", "Not relevant", plain),
    ]
    party = party_of(alert)
    if party is not None:
        value = ButtonValue(alert.delivery_id, channel, party).encode()
        tail = f" for {span_text(mute_for)}"
        name = truncate(party, BUTTON_TEXT_MAX - len("Mute ") - len(tail))
        if len(value) <= VALUE_MAX:
            buttons.append(_button("mute", f"Mute {name}{tail}", value))
    snooze = SNOOZE_STORY if alert.story is not None else SNOOZE_ALERT
    buttons.append(_button("snooze", snooze, plain))
    return {"type": "actions", "block_id": BLOCK_ID, "elements": buttons}


# -- the message after a press -------------------------------------------------------------------


def user_mention(user_id: str, fallback: str) -> str:
    """``<@U…>`` for a well-formed Slack user id, else the escaped name."""
    if _USER_ID.match(user_id):
        return f"<@{user_id}>"
    return slack_escape(one_line(fallback)) or "someone"


def slack_date(at: datetime) -> str:
    """A date Slack shows in the reader's time zone, with a UTC fallback."""
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    fallback = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def press_line(
    action: FeedbackAction,
    who: str,
    party: str | None,
    outcome: FeedbackOutcome,
    snoozed: str = "story",
) -> str:
    """The context line a press adds: "<@U1> marked this not relevant", "<@U1> muted Meta until
    …", "<@U1> snoozed this story until …" (``who`` is already mrkdwn; ``snoozed`` is "story",
    or "alert" for an alert without one)."""
    hold = outcome.hold
    if action == "relevant":
        return f"{who} marked this relevant"
    if action == "not_relevant":
        return f"{who} marked this not relevant"
    until = f" until {slack_date(hold.expires_at)}" if hold is not None else ""
    if action == "mute":
        label = hold.label if hold is not None else (party or "")
        name = slack_escape(truncate(one_line(strip_bidi(label)), PARTY_MAX)) or "this party"
        return f"{who} muted {name}{until}"
    return f"{who} snoozed this {'alert' if snoozed == 'alert' else 'story'}{until}"


def _gone(action: FeedbackAction) -> set[str]:
    """The buttons a press makes moot: a label answers both label buttons; a hold its own."""
    if action in ("relevant", "not_relevant"):
        return {action_id("relevant"), action_id("not_relevant")}
    return {action_id(action)}


def updated_blocks(blocks: object, action: FeedbackAction, line: str) -> list[dict[str, Any]]:
    """The message's blocks after a press: the alert kept, the moot buttons gone, ``line`` added
    as a context block just above the remaining buttons (or at the end when none remain)."""
    kept: list[dict[str, Any]] = []
    feedback: dict[str, Any] | None = None
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("block_id") == BLOCK_ID and block.get("type") == "actions":
            elements = [
                e
                for e in block.get("elements") or []
                if isinstance(e, dict) and e.get("action_id") not in _gone(action)
            ]
            feedback = {**block, "elements": elements} if elements else None
            continue
        kept.append(block)
    context = {
        "type": "context",
        # verbatim: Slack links nothing by itself; the explicit <@U…> and <!date…> still render.
        "elements": [{"type": "mrkdwn", "text": truncate(line, 3000), "verbatim": True}],
    }
    room = BLOCKS_MAX - 1 - (feedback is not None)
    kept = [*kept[:room], context]
    if feedback is not None:
        kept.append(feedback)
    return kept
