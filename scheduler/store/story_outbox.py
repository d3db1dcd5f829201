"""The story side of loading outbox rows: which story a delivery belongs to, its outlets, and
where its first message went.

:func:`story_refs` builds the :class:`alerts.model.StoryRef` of each loaded delivery row: its
event (``new`` or ``update``), whether it is material, the outlets that reported the story so
far (first report first), and for an update threaded under a parent the parent's message
reference, or that the parent failed for good. :func:`parent_not_pending` is the claim filter
that keeps a reply waiting while its parent is still to be sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import ColumnElement

from alerts.model import Outlet, StoryRef
from scheduler.store.engine import chunks
from scheduler.store.schema import articles, deliveries, story_articles

MAX_OUTLETS = 20  # outlets listed per story in a message


def parent_not_pending() -> ColumnElement[bool]:
    """Rows without a parent, or whose parent is no longer pending (sent or failed)."""
    parent = deliveries.alias("parent")
    return or_(
        deliveries.c.parent_id.is_(None),
        ~exists(
            select(parent.c.id).where(
                parent.c.id == deliveries.c.parent_id, parent.c.status == "pending"
            )
        ),
    )


def story_refs(conn: Connection, rows: Sequence[Row[Any]]) -> dict[int, StoryRef]:
    """delivery id -> its story reference, for the ``rows`` (of ``deliveries``) in a story."""
    in_story = [r for r in rows if r.story_id is not None]
    if not in_story:
        return {}
    story_ids = sorted({int(r.story_id) for r in in_story})
    outlets: dict[int, list[Outlet]] = {}
    for chunk in chunks(story_ids):
        for report in conn.execute(
            select(story_articles.c.story_id, articles.c.source, articles.c.url, articles.c.title)
            .join(articles, articles.c.id == story_articles.c.article_id)
            .where(story_articles.c.story_id.in_(chunk))
            .order_by(story_articles.c.joined_at, story_articles.c.article_id)
        ):
            listed = outlets.setdefault(int(report.story_id), [])
            if len(listed) < MAX_OUTLETS and all(o.source != report.source for o in listed):
                listed.append(Outlet(report.source, report.url, report.title))
    parent_ids = sorted({int(r.parent_id) for r in in_story if r.parent_id is not None})
    parents: dict[int, Any] = {}
    for chunk in chunks(parent_ids):
        for found in conn.execute(
            select(deliveries.c.id, deliveries.c.status, deliveries.c.message_ref).where(
                deliveries.c.id.in_(chunk)
            )
        ):
            parents[int(found.id)] = found
    refs: dict[int, StoryRef] = {}
    for delivery in in_story:
        row = delivery
        parent = parents.get(int(row.parent_id)) if row.parent_id is not None else None
        refs[int(row.id)] = StoryRef(
            id=int(row.story_id),
            event="update" if row.event == "update" else "new",
            outlets=tuple(outlets.get(int(row.story_id), ())),
            material=bool(row.material),
            threaded=row.parent_id is not None,
            thread=parent.message_ref if parent is not None and parent.status == "sent" else None,
            parent_failed=parent is not None and parent.status == "failed",
        )
    return refs
