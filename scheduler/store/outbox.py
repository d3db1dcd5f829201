"""The dispatcher's part of the store: the delivery outbox.

:class:`OutboxTables` implements :class:`alerts.model.OutboxStore`. Rows are claimed with a lease:
PostgreSQL skips rows another claimant has locked (``FOR UPDATE SKIP LOCKED``); SQLite runs the
select and the lease update in one ``BEGIN IMMEDIATE`` transaction. A claimant that crashes leaves
its rows to be claimed again when the lease runs out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import ColumnElement

from alerts.model import Alert, Delivery, DeliveryStatus
from crawler.matching.types import Match
from scheduler.errors import StoreError
from scheduler.store.engine import Database, chunks
from scheduler.store.schema import articles, deliveries, matches_table
from scheduler.store.story_outbox import parent_not_pending, story_refs

logger = logging.getLogger("newswatch.outbox")


class OutboxTables(Database):
    """One row per (article, channel) until it is sent or fails."""

    def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int, channel: str | None = None
    ) -> list[Delivery]:
        """Lease up to ``limit`` due pending rows with a free lease, oldest first.

        PostgreSQL skips rows another claimant has locked (``FOR UPDATE SKIP LOCKED``); SQLite
        runs the select and the lease update in one ``BEGIN IMMEDIATE`` transaction, which
        excludes every other writer, in this process or another.
        """
        if limit <= 0:
            return []
        query = (
            select(deliveries.c.id)
            .where(
                deliveries.c.status == "pending",
                deliveries.c.next_attempt_at <= now,
                or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
                # A reply in a story's thread waits until its parent is sent (or failed).
                parent_not_pending(),
            )
            .order_by(deliveries.c.created_at, deliveries.c.id)
            .limit(limit)
        )
        if channel is not None:
            query = query.where(deliveries.c.channel == channel)
        if self._backend == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self._tx("claim_due", write=True) as conn:
            ids = [int(i) for i in conn.execute(query).scalars()]
            if not ids:
                return []
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(ids))
                .values(lease_until=lease_until, updated_at=now)
            )
            claimed = self._load_deliveries(conn, ids)
        order = {delivery_id: i for i, delivery_id in enumerate(ids)}
        return sorted(claimed, key=lambda d: order[d.id])

    def _load_deliveries(self, conn: Connection, ids: Sequence[int]) -> list[Delivery]:
        """Deliveries ``ids`` with their alerts: the article and every match routed there."""
        if not ids:
            return []
        rows: list[Row[Any]] = []
        for chunk in chunks(ids):
            rows.extend(
                conn.execute(
                    select(
                        deliveries,
                        articles.c.title,
                        articles.c.url,
                        articles.c.source,
                        articles.c.published,
                    )
                    .join(articles, articles.c.id == deliveries.c.article_id)
                    .where(deliveries.c.id.in_(chunk))
                ).all()
            )
        article_ids = sorted({int(row.article_id) for row in rows})
        by_article: dict[int, list[Any]] = {}
        for chunk in chunks(article_ids):
            for m in conn.execute(
                select(
                    matches_table.c.id,
                    matches_table.c.article_id,
                    matches_table.c.payload,
                    matches_table.c.channels,
                    matches_table.c.score,
                ).where(matches_table.c.article_id.in_(chunk))
            ):
                by_article.setdefault(int(m.article_id), []).append(m)
        stories = story_refs(conn, rows)
        result: list[Delivery] = []
        for row in rows:
            routed = [
                m
                for m in by_article.get(int(row.article_id), [])
                if m.id == row.match_id or row.channel in (m.channels or [])
            ]
            routed.sort(key=lambda m: (-m.score, m.id))
            alert = Alert(
                article_id=int(row.article_id),
                title=row.title,
                url=row.url,
                source=row.source,
                published=row.published,
                matches=tuple(Match.from_dict(m.payload) for m in routed),
                story=stories.get(int(row.id)),
                delivery_id=int(row.id),
            )
            result.append(
                Delivery(
                    id=int(row.id),
                    channel=row.channel,
                    status=cast(DeliveryStatus, row.status),
                    attempts=row.attempts,
                    created_at=row.created_at,
                    next_attempt_at=row.next_attempt_at,
                    alert=alert,
                    last_error=row.last_error,
                    sent_at=row.sent_at,
                )
            )
        return result

    def get_delivery(self, delivery_id: int) -> Delivery | None:
        """One outbox row with its alert, or None."""
        with self._tx("get_delivery") as conn:
            found = self._load_deliveries(conn, [delivery_id])
        return found[0] if found else None

    def mark_sent(self, delivery_id: int, *, now: datetime, ref: str | None = None) -> None:
        """Record a successful send: counts the attempt and releases the lease; ``ref`` is the
        channel's reference of the message (Slack's channel and ts: a story's replies thread
        on it, across restarts).

        Logs one line per delivered alert: the moment it is durably recorded as sent.
        """
        with self._tx("mark_sent", write=True) as conn:
            row = conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id)
                .values(
                    status="sent",
                    sent_at=now,
                    lease_until=None,
                    last_error=None,
                    updated_at=now,
                    attempts=deliveries.c.attempts + 1,
                    message_ref=ref,
                )
                .returning(deliveries.c.channel, deliveries.c.article_id, deliveries.c.attempts)
            ).first()
        if row is None:
            raise StoreError(f"mark_sent: no delivery with id {delivery_id}")
        logger.info(
            "delivered alert #%d (article %d) to %s",
            delivery_id,
            row.article_id,
            row.channel,
            extra={
                "delivery_id": delivery_id,
                "article_id": row.article_id,
                "channel": row.channel,
                "attempts": row.attempts,
            },
        )

    def mark_retry(self, delivery_id: int, *, next_attempt_at: datetime, error: str) -> None:
        """Release the lease, count the attempt, and make the row due again later."""
        self._update_delivery(
            "mark_retry",
            delivery_id,
            status="pending",
            next_attempt_at=next_attempt_at,
            lease_until=None,
            last_error=error,
            updated_at=self._clock(),
            attempts=deliveries.c.attempts + 1,
        )

    def mark_failed(self, delivery_id: int, *, now: datetime, error: str) -> None:
        """Give up on the row (permanent error or retry window over); counts the attempt."""
        self._update_delivery(
            "mark_failed",
            delivery_id,
            status="failed",
            lease_until=None,
            last_error=error,
            updated_at=now,
            attempts=deliveries.c.attempts + 1,
        )

    def _update_delivery(self, what: str, delivery_id: int, **values: Any) -> None:
        with self._tx(what, write=True) as conn:
            done = conn.execute(
                update(deliveries).where(deliveries.c.id == delivery_id).values(**values)
            ).rowcount
        if done == 0:
            raise StoreError(f"{what}: no delivery with id {delivery_id}")

    def release(self, delivery_ids: Sequence[int]) -> None:
        """Release leases without counting an attempt (held by quiet hours, shutdown)."""
        ids = list(delivery_ids)
        if not ids:
            return
        with self._tx("release", write=True) as conn:
            for chunk in chunks(ids):
                conn.execute(
                    update(deliveries)
                    .where(deliveries.c.id.in_(chunk), deliveries.c.status == "pending")
                    .values(lease_until=None)
                )

    def sent_count_since(self, channel: str, since: datetime) -> int:
        """Deliveries marked sent on ``channel`` since ``since`` (storm protection)."""
        with self._tx("sent_count_since") as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(deliveries)
                    .where(
                        deliveries.c.channel == channel,
                        deliveries.c.status == "sent",
                        deliveries.c.sent_at >= since,
                    )
                ).scalar_one()
            )

    def list_deliveries(self, status: DeliveryStatus, limit: int = 100) -> list[Delivery]:
        """Rows with ``status``: pending ones next due first, sent and failed ones newest first."""
        order: list[ColumnElement[Any]]
        if status == "pending":
            order = [deliveries.c.next_attempt_at, deliveries.c.id]
        else:
            order = [deliveries.c.updated_at.desc(), deliveries.c.id.desc()]
        with self._tx("list_deliveries") as conn:
            ids = [
                int(i)
                for i in conn.execute(
                    select(deliveries.c.id)
                    .where(deliveries.c.status == status)
                    .order_by(*order)
                    .limit(limit)
                ).scalars()
            ]
            found = self._load_deliveries(conn, ids)
        position = {delivery_id: i for i, delivery_id in enumerate(ids)}
        return sorted(found, key=lambda d: position[d.id])

    def retry_failed(self, delivery_ids: Sequence[int] | None = None) -> int:
        """Make failed rows pending again, due now with a fresh attempt count; returns how many.

        The attempt count restarts at 0 so a manual retry gets the full retry policy again.
        """
        now = self._clock()
        values = {
            "status": "pending",
            "next_attempt_at": now,
            "lease_until": None,
            "attempts": 0,
            "updated_at": now,
        }
        with self._tx("retry_failed", write=True) as conn:
            if delivery_ids is None:
                return int(
                    conn.execute(
                        update(deliveries).where(deliveries.c.status == "failed").values(**values)
                    ).rowcount
                )
            total = 0
            for chunk in chunks(list(delivery_ids)):
                total += conn.execute(
                    update(deliveries)
                    .where(deliveries.c.status == "failed", deliveries.c.id.in_(chunk))
                    .values(**values)
                ).rowcount
            return total

    def outbox_counts(self) -> dict[str, int]:
        """Counts by status: ``{"pending": n, "sent": n, "failed": n}``."""
        result = {"pending": 0, "sent": 0, "failed": 0}
        with self._tx("outbox_counts") as conn:
            for status, count in conn.execute(
                select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
            ):
                result[str(status)] = int(count)
        return result
