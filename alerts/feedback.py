"""Readers' feedback on alerts: the button presses, the mutes and snoozes they make, the store.

A reader judges an alert where it arrives (Slack's buttons): "Relevant", "Not relevant", "Mute
<party>" or "Snooze story". Each press is one :class:`FeedbackEvent`; a mute or a snooze also
makes a :class:`Hold`, an expiring override of the config files (which stay the source of
watchlists) that holds the channel's alerts about that party or story until it expires or is
lifted. The service's store implements :class:`FeedbackStore` (synchronous, thread-safe; callers
on the event loop go through ``asyncio.to_thread``). Parties are compared by :func:`party_key`, so
"OpenAI", "openai" and "OpenAI, Inc." hold the same alerts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, runtime_checkable

from alerts.model import Alert
from alerts.render import one_line, strip_bidi

FeedbackAction = Literal["relevant", "not_relevant", "mute", "snooze"]
HoldKind = Literal["mute", "snooze"]

# How long a press holds alerts unless the channel's config says otherwise.
MUTE_FOR = timedelta(days=7)
SNOOZE_FOR = timedelta(days=7)

_SUFFIX = re.compile(r"[,\s]+(inc|inc\.|corp|corp\.|corporation|ltd|ltd\.|llc|plc|co|co\.)$")
_SPACE = re.compile(r"\s+")


def party_key(name: str) -> str:
    """The key a mute of ``name`` holds alerts by: case-folded, NFKC, spaces collapsed, without a
    trailing company form ("Inc.", "Corp", ...). Control and bidi characters go first, as they do
    from the party the mute button shows (:func:`alerts.slack_buttons.party_of`), so the key of
    the button's party is the key of the name in the alert it was pressed on."""
    key = one_line(strip_bidi(unicodedata.normalize("NFKC", name)))
    key = _SPACE.sub(" ", key).strip().casefold()
    return _SUFFIX.sub("", key).strip()


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """One button press on one delivered alert (an outbox row)."""

    action: FeedbackAction
    delivery_id: int  # the outbox row whose message carried the button
    channel: str  # the newswatch channel name (not Slack's channel id)
    user: str  # who pressed (Slack user id)
    user_name: str  # their display name, for the message update and `newswatch mutes`
    at: datetime  # timezone-aware
    party: str | None = None  # mute: the party's name as the button showed it
    envelope_id: str = ""  # the transport's id of the press; a repeated id is a replay


@dataclass(frozen=True, slots=True)
class Hold:
    """A mute (of a party) or a snooze (of a story) on one channel, until ``expires_at``."""

    id: int
    kind: HoldKind
    channel: str
    key: str  # mute: party_key(party); snooze: the story id as text
    label: str  # what to show: the party's name, or the story's title
    created_by: str
    created_at: datetime
    expires_at: datetime
    lifted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedbackOutcome:
    """What storing a press did: the event's row, and the hold it made (mute, snooze)."""

    feedback_id: int
    hold: Hold | None = None


@dataclass(frozen=True, slots=True)
class LabelledMatch:
    """A delivered alert a reader labelled: one line of ``newswatch feedback export``."""

    title: str
    text: str
    label: bool  # True: relevant; False: not relevant
    kind: str  # the match's event kind (hire, acquisition, ...)
    watchlist: str
    url: str
    labelled_at: datetime
    user: str


class FeedbackStore(Protocol):
    """The feedback operations of the service's store."""

    def record_feedback(
        self,
        event: FeedbackEvent,
        *,
        mute_for: timedelta = MUTE_FOR,
        snooze_for: timedelta = SNOOZE_FOR,
    ) -> FeedbackOutcome | None:
        """Store ``event`` and, for a mute or a snooze, its hold, in one transaction.

        Returns None (and stores nothing) when ``event.envelope_id`` was stored before (a replay)
        or when ``event.delivery_id`` names no outbox row of ``event.channel``.
        """

    def active_holds(self, *, now: datetime, channel: str | None = None) -> list[Hold]:
        """Holds not expired and not lifted at ``now`` (of ``channel``, or all), oldest first."""

    def lift_hold(self, hold_id: int, *, now: datetime) -> bool:
        """Lift a hold now (``newswatch unmute``); False when there is no such active hold."""

    def labelled_matches(self, *, since: datetime) -> Sequence[LabelledMatch]:
        """The latest relevant or not-relevant label of each labelled alert, since ``since``."""


@runtime_checkable
class HoldStore(Protocol):
    """What the dispatcher needs to hold a channel's alerts (the service's store has it; an
    outbox without it holds nothing)."""

    def active_holds(self, *, now: datetime, channel: str | None = None) -> list[Hold]:
        """As :meth:`FeedbackStore.active_holds`."""

    def hold_deliveries(self, held: Sequence[tuple[int, Hold]]) -> None:
        """Put each (delivery id, hold) row off until the hold expires: pending, lease released,
        no attempt counted, due again at ``hold.expires_at`` (or when the hold is lifted)."""

    def held_count(self, *, now: datetime) -> int:
        """Pending rows put off by a hold still in force at ``now``."""


def holding(holds: Sequence[Hold], alert: Alert) -> Hold | None:
    """The hold among ``holds`` (of the alert's channel) that keeps ``alert`` back the longest:
    a mute of a party any of its matches names, or a snooze of its story (of its article when it
    is in no story). None: send it."""
    if not holds:
        return None
    parties = {
        party_key(name)
        for match in alert.matches
        for name in (
            *(entity.name for entity in match.entities),
            *((match.event.actor, match.event.target) if match.event is not None else ()),
        )
        if name
    }
    story = str(alert.story.id) if alert.story is not None else f"article:{alert.article_id}"
    found = [
        hold
        for hold in holds
        if (hold.kind == "mute" and hold.key in parties)
        or (hold.kind == "snooze" and hold.key == story)
    ]
    return max(found, key=lambda hold: hold.expires_at) if found else None
