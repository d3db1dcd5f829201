"""Readers' feedback in the store: button presses, the mutes and snoozes they make, the labels.

:class:`FeedbackTables` implements :class:`alerts.feedback.FeedbackStore`, and the two calls the
dispatcher makes to hold alerts (:meth:`active_holds`, :meth:`hold_deliveries`). A press is
stored with its hold in one transaction; a press whose envelope id was stored before (a replay)
or that names no outbox row of its channel stores nothing. A snooze holds the alert's story (its
key is the story id); an alert outside any story (story clustering found none) is snoozed by its
article alone (key ``article:<id>``), which in practice holds nothing more, since an article
alerts a channel once. A second mute or snooze of what a channel already holds extends that hold
rather than listing the same override twice. Lifting a hold makes the rows it held due at once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast, get_args

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection, Row

from alerts.feedback import (
    MUTE_FOR,
    SNOOZE_FOR,
    FeedbackAction,
    FeedbackEvent,
    FeedbackOutcome,
    Hold,
    HoldKind,
    LabelledMatch,
    party_key,
)
from scheduler.store.engine import Database, chunks
from scheduler.store.schema import (
    articles,
    deliveries,
    feedback,
    holds,
    matches_table,
    stories,
)

logger = logging.getLogger("newswatch.feedback")

ACTIONS = frozenset(get_args(FeedbackAction))
LABELS = ("relevant", "not_relevant")


def snooze_key(story_id: int | None, article_id: int) -> str:
    """What a snooze of an alert holds: its story, or its article when it is in none."""
    return str(story_id) if story_id is not None else f"article:{article_id}"


def _hold(row: Row[Any]) -> Hold:
    return Hold(
        id=int(row.id),
        kind=cast(HoldKind, row.kind),
        channel=row.channel,
        key=row.key,
        label=row.label,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        lifted_at=row.lifted_at,
    )


def _active(now: datetime) -> Any:
    return and_(holds.c.lifted_at.is_(None), holds.c.expires_at > now)


class FeedbackTables(Database):
    """The ``feedback`` and ``holds`` tables."""

    def record_feedback(
        self,
        event: FeedbackEvent,
        *,
        mute_for: timedelta = MUTE_FOR,
        snooze_for: timedelta = SNOOZE_FOR,
    ) -> FeedbackOutcome | None:
        """Store ``event`` and, for a mute or a snooze, its hold, in one transaction; None (and
        nothing stored) for a replayed envelope id, an unknown delivery of the channel, an
        unknown action, or a mute without a party."""
        if event.action not in ACTIONS:
            logger.warning(
                "feedback on alert #%d: unknown action %r", event.delivery_id, event.action
            )
            return None
        party = (event.party or "").strip()
        if event.action == "mute" and not party_key(party):
            logger.warning("feedback on alert #%d: a mute without a party", event.delivery_id)
            return None
        with self._tx("record_feedback", write=True) as conn:
            target = conn.execute(
                select(
                    deliveries.c.id,
                    deliveries.c.article_id,
                    deliveries.c.story_id,
                    articles.c.title,
                    stories.c.title.label("story_title"),
                )
                .join(articles, articles.c.id == deliveries.c.article_id)
                .outerjoin(stories, stories.c.id == deliveries.c.story_id)
                .where(deliveries.c.id == event.delivery_id, deliveries.c.channel == event.channel)
            ).first()
            if target is None:
                return None
            insert = (
                self._insert(feedback)
                .values(
                    delivery_id=event.delivery_id,
                    channel=event.channel,
                    action=event.action,
                    user_id=event.user,
                    user_name=event.user_name,
                    party=party or None,
                    envelope_id=event.envelope_id or None,
                    created_at=event.at,
                )
                .on_conflict_do_nothing(index_elements=["envelope_id"])
                .returning(feedback.c.id)
            )
            feedback_id = conn.execute(insert).scalar()
            if feedback_id is None:
                return None  # the envelope id is taken: a replay
            hold: Hold | None = None
            if event.action == "mute":
                hold = self._make_hold(
                    conn, event, int(feedback_id), "mute", party_key(party), party, mute_for
                )
            elif event.action == "snooze":
                key = snooze_key(target.story_id, int(target.article_id))
                label = target.story_title or target.title
                hold = self._make_hold(
                    conn, event, int(feedback_id), "snooze", key, label, snooze_for
                )
        return FeedbackOutcome(feedback_id=int(feedback_id), hold=hold)

    def _make_hold(
        self,
        conn: Connection,
        event: FeedbackEvent,
        feedback_id: int,
        kind: HoldKind,
        key: str,
        label: str,
        duration: timedelta,
    ) -> Hold:
        expires = event.at + duration
        same = conn.execute(
            select(holds)
            .where(
                holds.c.channel == event.channel,
                holds.c.kind == kind,
                holds.c.key == key,
                _active(event.at),
            )
            .order_by(holds.c.expires_at.desc(), holds.c.id.desc())
            .limit(1)
        ).first()
        if same is not None:
            if expires > same.expires_at:
                conn.execute(update(holds).where(holds.c.id == same.id).values(expires_at=expires))
            return replace(_hold(same), expires_at=max(expires, same.expires_at))
        row = conn.execute(
            holds.insert()
            .values(
                kind=kind,
                channel=event.channel,
                key=key,
                label=label,
                created_by=event.user_name or event.user,
                created_at=event.at,
                expires_at=expires,
                feedback_id=feedback_id,
            )
            .returning(*holds.c)
        ).one()
        return _hold(row)

    def active_holds(self, *, now: datetime, channel: str | None = None) -> list[Hold]:
        """Holds not expired and not lifted at ``now`` (of ``channel``, or all), oldest first."""
        query = select(holds).where(_active(now)).order_by(holds.c.created_at, holds.c.id)
        if channel is not None:
            query = query.where(holds.c.channel == channel)
        with self._tx("active_holds") as conn:
            return [_hold(row) for row in conn.execute(query)]

    def lift_hold(self, hold_id: int, *, now: datetime) -> bool:
        """Lift an active hold and make the rows it held due ``now``; False when there is none."""
        with self._tx("lift_hold", write=True) as conn:
            lifted = conn.execute(
                update(holds).where(holds.c.id == hold_id, _active(now)).values(lifted_at=now)
            ).rowcount
            if not lifted:
                return False
            conn.execute(
                update(deliveries)
                .where(deliveries.c.held_by == hold_id, deliveries.c.status == "pending")
                .values(next_attempt_at=now, held_by=None, updated_at=now)
            )
        return True

    def hold_deliveries(self, held: Sequence[tuple[int, Hold]]) -> None:
        """Put each pending row off until its hold's expiry, lease released, no attempt counted
        (the dispatcher found it held by a reader's mute or snooze)."""
        if not held:
            return
        now = self._clock()
        with self._tx("hold_deliveries", write=True) as conn:
            for delivery_id, hold in held:
                conn.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id, deliveries.c.status == "pending")
                    .values(
                        next_attempt_at=hold.expires_at,
                        lease_until=None,
                        held_by=hold.id,
                        updated_at=now,
                    )
                )

    def held_count(self, *, now: datetime) -> int:
        """Pending rows put off by a hold still in force at ``now`` (``dispatch --until-empty``
        does not wait for them)."""
        with self._tx("held_count") as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(holds)
                    .join(deliveries, deliveries.c.held_by == holds.c.id)
                    .where(_active(now), deliveries.c.status == "pending")
                ).scalar_one()
            )

    def labelled_matches(self, *, since: datetime) -> Sequence[LabelledMatch]:
        """The latest relevant or not-relevant label of each labelled alert since ``since``,
        oldest label first, with the article's title and text and the match's kind and
        watchlist (alerts whose article was purged are gone with it)."""
        with self._tx("labelled_matches") as conn:
            rows = conn.execute(
                select(
                    feedback.c.delivery_id,
                    feedback.c.action,
                    feedback.c.user_id,
                    feedback.c.created_at,
                    articles.c.title,
                    articles.c.text,
                    articles.c.url,
                    matches_table.c.kind,
                    matches_table.c.watchlist,
                )
                .join(deliveries, deliveries.c.id == feedback.c.delivery_id)
                .join(articles, articles.c.id == deliveries.c.article_id)
                .join(matches_table, matches_table.c.id == deliveries.c.match_id)
                .where(feedback.c.action.in_(LABELS), feedback.c.created_at >= since)
                .order_by(feedback.c.created_at, feedback.c.id)
            ).all()
        latest: dict[int, Any] = {}
        for row in rows:
            latest.pop(int(row.delivery_id), None)  # re-inserted: ordered by its latest label
            latest[int(row.delivery_id)] = row
        return [
            LabelledMatch(
                title=row.title,
                text=row.text,
                label=row.action == "relevant",
                kind=row.kind,
                watchlist=row.watchlist,
                url=row.url,
                labelled_at=row.created_at,
                user=row.user_id,
            )
            for row in latest.values()
        ]

    def purge_feedback(self, before: datetime, batch: int) -> dict[str, int]:
        """Delete presses made before ``before`` and holds that expired before it (a lifted hold
        goes when it would have expired), ``batch`` rows per transaction."""
        counts = {"feedback": 0, "holds": 0}
        for name, key, condition in (
            ("holds", holds.c.id, holds.c.expires_at < before),
            ("feedback", feedback.c.id, feedback.c.created_at < before),
        ):
            while True:
                with self._tx("purge", write=True) as conn:
                    ids = list(conn.execute(select(key).where(condition).limit(batch)).scalars())
                    for chunk in chunks(ids):
                        counts[name] += conn.execute(
                            key.table.delete().where(key.in_(chunk))
                        ).rowcount
                if len(ids) < batch:
                    break
        return counts
