"""Read-only story queries for the command line: recent stories with their reports.

``newswatch stories`` lists what :mod:`scheduler.store.stories` built; ``matches`` and
``rematch`` use :meth:`StoryQueries.story_of_articles` to name each article's story.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from scheduler.store.engine import Database, chunks
from scheduler.store.schema import articles, stories, story_articles


@dataclass(frozen=True, slots=True)
class StoryReport:
    """One article of a story."""

    article_id: int
    source: str
    title: str
    url: str
    published: datetime | None
    joined_at: datetime
    material: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredStory:
    """A story with its reports, first report first."""

    id: int
    first_seen: datetime
    last_seen: datetime
    title: str
    url: str
    facts: dict[str, Any] | None
    frames: tuple[str, ...]
    outlets: tuple[str, ...]
    best_score: float | None
    reports: tuple[StoryReport, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_id": self.id,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "title": self.title,
            "url": self.url,
            "event": self.facts,
            "frames": list(self.frames),
            "outlets": list(self.outlets),
            "best_score": self.best_score,
            "articles": [
                {
                    "article_id": r.article_id,
                    "source": r.source,
                    "title": r.title,
                    "url": r.url,
                    "published": r.published.isoformat() if r.published else None,
                    "joined_at": r.joined_at.isoformat(),
                    "material": list(r.material),
                }
                for r in self.reports
            ],
        }


class StoryQueries(Database):
    """What ``stories``, ``matches`` and ``rematch`` read about stories."""

    def list_stories(
        self, since: datetime, *, limit: int = 200, matched_only: bool = False
    ) -> list[StoredStory]:
        """Stories with a report since ``since``, most recently updated first."""
        query = select(stories).where(stories.c.last_seen >= since)
        if matched_only:
            query = query.where(stories.c.best_score.is_not(None))
        query = query.order_by(stories.c.last_seen.desc(), stories.c.id.desc()).limit(limit)
        with self._tx("list_stories") as conn:
            rows = conn.execute(query).all()
            reports: dict[int, list[StoryReport]] = {}
            for chunk in chunks([int(r.id) for r in rows]):
                for r in conn.execute(
                    select(
                        story_articles.c.story_id,
                        story_articles.c.article_id,
                        story_articles.c.joined_at,
                        story_articles.c.material,
                        articles.c.source,
                        articles.c.title,
                        articles.c.url,
                        articles.c.published,
                    )
                    .join(articles, articles.c.id == story_articles.c.article_id)
                    .where(story_articles.c.story_id.in_(chunk))
                    .order_by(story_articles.c.joined_at, story_articles.c.article_id)
                ):
                    reports.setdefault(int(r.story_id), []).append(
                        StoryReport(
                            article_id=int(r.article_id),
                            source=r.source,
                            title=r.title,
                            url=r.url,
                            published=r.published,
                            joined_at=r.joined_at,
                            material=tuple(r.material or ()),
                        )
                    )
        return [
            StoredStory(
                id=int(row.id),
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                title=row.title,
                url=row.url,
                facts=row.facts,
                frames=tuple(row.frames or ()),
                outlets=tuple(row.outlets or ()),
                best_score=row.best_score,
                reports=tuple(reports.get(int(row.id), ())),
            )
            for row in rows
        ]

    def story_of_articles(self, article_ids: Sequence[int]) -> dict[int, int]:
        """article id -> story id, for those of ``article_ids`` in a story."""
        found: dict[int, int] = {}
        with self._tx("story_of_articles") as conn:
            for chunk in chunks(sorted(set(article_ids))):
                for a, s in conn.execute(
                    select(story_articles.c.article_id, story_articles.c.story_id).where(
                        story_articles.c.article_id.in_(chunk)
                    )
                ):
                    found[int(a)] = int(s)
        return found
