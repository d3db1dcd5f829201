"""Stories: every stored article joins one, and a story alerts each channel once.

:meth:`StoryTables._join_story` runs inside the article's save transaction. It looks up
candidate stories of the last ``story_window`` through ``story_keys`` (LSH band keys of the
title-and-lead MinHash, and the event's party keys: one index, never a scan), lets
:func:`scheduler.story_keys.same_event` decide, and joins the best candidate or starts a story.
Two processes storing reports of one event at once must not start two stories: SQLite write
transactions are ``BEGIN IMMEDIATE`` (one writer at a time), and on PostgreSQL the save takes a
transaction-scoped advisory lock first (:meth:`_claim_stories`), so the second writer's lookup
sees the first one's story. ``story_channels`` holds each story's first delivery per channel
(its primary key is the claim): later reports become updates threaded under it, sent as new
alerts, or not sent at all, as the channel's ``updates`` option says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.engine import Connection

from crawler.article_store import ArticleRecord
from crawler.matching.types import Match
from scheduler.store.engine import Database
from scheduler.store.schema import (
    articles,
    stories,
    story_articles,
    story_channels,
    story_keys,
)
from scheduler.story_keys import (
    Facts,
    band_keys,
    facts_of,
    material,
    merge_seen,
    party_keys,
    same_event,
    same_name,
    shingles,
    signature,
    similarity,
)

DEFAULT_STORY_WINDOW = timedelta(hours=72)
UPDATE_MODES = ("thread", "new", "none")
_ADVISORY_KEY = 7263540502  # PostgreSQL advisory lock of the story claim (the schema's + 1)
_MAX_CANDIDATES = 50  # stories compared per article; the most recent win past it
_HOT_KEY = 64  # articles of the window sharing one key past which the key is not used
# How many articles of the window share each key (from the covering index alone).
_KEY_COUNTS = (
    select(story_keys.c.key, func.count())
    .where(
        story_keys.c.key.in_(bindparam("keys", expanding=True)),
        story_keys.c.created_at >= bindparam("since"),
    )
    .group_by(story_keys.c.key)
)
# Key hits of the window, with the hit article's signature and what the decision
# needs of its story (the chosen story's full row is read once chosen).
_CANDIDATES = (
    select(
        story_keys.c.key,
        story_articles.c.signature,
        stories.c.id,
        stories.c.facts,
        stories.c.seen,
        stories.c.last_seen,
    )
    .join(story_articles, story_articles.c.article_id == story_keys.c.article_id)
    .join(stories, stories.c.id == story_keys.c.story_id)
    .where(
        story_keys.c.key.in_(bindparam("keys", expanding=True)),
        story_keys.c.created_at >= bindparam("since"),
    )
    # No ORDER BY: it would invite a planner to walk the created_at index through the whole
    # window instead of probing the keys; a bound instead (candidates are ranked in Python).
    .limit(2000)
)

_INSERT_MEMBER = story_articles.insert()
_INSERT_KEYS = story_keys.insert()
_INSERT_STORY = stories.insert().returning(stories.c.id)
_STORY = select(stories).where(stories.c.id == bindparam("story"))
# SET takes the columns of the parameters given (one cached statement per set of columns).
_UPDATE_STORY = update(stories).where(stories.c.id == bindparam("story"))

# Lookup keys an article writes: its LSH bands and a few event keys (story_keys.BANDS + parties).
KEYS_PER_ARTICLE = 25


@dataclass(frozen=True, slots=True)
class StoryJoin:
    """Where one article went: its story, whether it started it, what it added."""

    story_id: int
    created: bool
    material: tuple[str, ...] = ()


@dataclass(slots=True)
class _Candidate:
    story_id: int
    facts: Facts | None
    similarity: float = 0.0
    last_seen: datetime | None = None
    seen: dict[str, Any] = field(default_factory=dict)


class StoryTables(Database):
    """Story clustering inside the save transaction, and the story side of the outbox."""

    _story_window: timedelta = DEFAULT_STORY_WINDOW
    _update_modes: Mapping[str, str] = {}

    def configure_stories(
        self, *, window: timedelta | None = None, updates: Mapping[str, str] | None = None
    ) -> None:
        """Set the story window and each channel's ``updates`` mode (thread | new | none).

        A channel without a mode gets every report as its own alert ("new"), as before stories.
        """
        if window is not None:
            self._story_window = window
        if updates is not None:
            bad = {c: m for c, m in updates.items() if m not in UPDATE_MODES}
            if bad:
                raise ValueError(f"unknown updates mode(s): {bad}")
            self._update_modes = dict(updates)

    def update_mode(self, channel: str) -> str:
        return self._update_modes.get(channel, "new")

    def _claim_stories(self, conn: Connection) -> None:
        """Serialise story assignment across processes (SQLite's BEGIN IMMEDIATE already does)."""
        if self._backend == "postgresql":
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_ADVISORY_KEY})"))

    def _join_story(
        self,
        conn: Connection,
        article_id: int,
        article: ArticleRecord,
        matches: Sequence[Match],
        now: datetime,
    ) -> StoryJoin:
        """Put the new article into the story it reports (or a new one); see the module doc."""
        facts = facts_of(matches, article.title)
        sig = signature(shingles(article.title, article.text))
        bands = band_keys(sig)
        parties = party_keys(facts)
        candidates = self._candidates(conn, bands, parties, sig, now)
        chosen = self._choose(facts, candidates)
        if chosen is None:
            story_id = self._new_story(conn, article_id, article, facts, now)
            added: tuple[str, ...] = ()
        else:
            story_id = chosen.story_id
            added = tuple(material(facts, chosen.seen)) if chosen.facts is not None else ()
            self._add_to_story(conn, story_id, article_id, article, facts, now)
        # Values as parameters of prebuilt statements, never inlined with .values(): SQLAlchemy
        # would rebuild each statement's cache key from every value of every save.
        conn.execute(
            _INSERT_MEMBER,
            {
                "article_id": article_id,
                "story_id": story_id,
                "source": article.source,
                "joined_at": now,
                "signature": sig,
                "facts": facts.to_dict() if facts else None,
                "material": list(added),
            },
        )
        keys = sorted(set(bands) | set(parties))
        conn.execute(
            _INSERT_KEYS,
            [
                {"key": k, "article_id": article_id, "story_id": story_id, "created_at": now}
                for k in keys
            ],
        )
        return StoryJoin(story_id, chosen is None, added)

    def _candidates(
        self,
        conn: Connection,
        bands: list[int],
        parties: list[int],
        sig: bytes,
        now: datetime,
    ) -> list[_Candidate]:
        """Stories of the window sharing a key with the article, with their best similarity.

        One indexed query (built once: :data:`_CANDIDATES`) returns each key hit with its
        article's signature and its story's event; each distinct signature is compared once.
        """
        since = now - self._story_window
        # A key shared by very many articles of the window (a band of stock phrases, a busy
        # actor) tells nothing and would drag thousands of rows: such hot keys are left out.
        counts = conn.execute(_KEY_COUNTS, {"keys": [*bands, *parties], "since": since}).all()
        keys = [int(k) for k, n in counts if n <= _HOT_KEY]
        if not keys:
            return []
        rows = conn.execute(_CANDIDATES, {"keys": keys, "since": since}).all()
        found: dict[int, _Candidate] = {}
        compared: set[bytes] = set()
        # Most recent stories first when there are more than _MAX_CANDIDATES.
        for row in sorted(rows, key=lambda r: r.last_seen, reverse=True):
            sid = int(row.id)
            candidate = found.get(sid)
            if candidate is None:
                if len(found) >= _MAX_CANDIDATES:
                    continue
                candidate = found[sid] = _Candidate(
                    story_id=sid,
                    facts=Facts.from_dict(row.facts) if row.facts else None,
                    last_seen=row.last_seen,
                    seen=dict(row.seen or {}),
                )
            # Every hit's text is compared, a party-key hit's too: the same actor with a
            # similar lead below the LSH threshold still counts (see same_event).
            other = bytes(row.signature)
            if other not in compared:
                compared.add(other)
                candidate.similarity = max(candidate.similarity, similarity(sig, other))
        return list(found.values())

    @staticmethod
    def _choose(facts: Facts | None, candidates: list[_Candidate]) -> _Candidate | None:
        """The candidate the article reports: a named-target match first, then the most
        similar text, then the most recent story."""
        fitting = [c for c in candidates if same_event(facts, c.facts, c.similarity)]
        if not fitting:
            return None

        def rank(c: _Candidate) -> tuple[int, float, float]:
            named = int(
                facts is not None
                and c.facts is not None
                and same_name(facts.target, c.facts.target)
            )
            seen = c.last_seen.timestamp() if c.last_seen else 0.0
            return named, c.similarity, seen

        return max(fitting, key=rank)

    def _new_story(
        self,
        conn: Connection,
        article_id: int,
        article: ArticleRecord,
        facts: Facts | None,
        now: datetime,
    ) -> int:
        new_id = conn.execute(
            _INSERT_STORY,
            {
                "first_seen": now,
                "last_seen": now,
                "article_id": article_id,
                "title": article.title,
                "url": article.url,
                "published": article.published,
                "facts": facts.to_dict() if facts else None,
                "seen": merge_seen({}, facts),
                "frames": [facts.headline()] if facts else [],
                "outlets": [article.source],
                "articles": 1,
                "best_score": facts.score if facts else None,
            },
        ).scalar_one()
        return int(new_id)

    def _add_to_story(
        self,
        conn: Connection,
        story_id: int,
        article_id: int,
        article: ArticleRecord,
        facts: Facts | None,
        now: datetime,
        *,
        joined: bool = True,
    ) -> None:
        row = conn.execute(_STORY, {"story": story_id}).one()
        values: dict[str, Any] = {
            "last_seen": now,
            "articles": row.articles + int(joined),
            "seen": merge_seen(dict(row.seen or {}), facts),
        }
        outlets = list(row.outlets or [])
        if article.source not in outlets:
            values["outlets"] = [*outlets, article.source]
        if facts is not None:
            frames = list(row.frames or [])
            if facts.headline() not in frames:
                values["frames"] = [*frames, facts.headline()]
            if row.best_score is None or facts.score > row.best_score:
                values["best_score"] = facts.score
            if row.facts is None:
                values["facts"] = facts.to_dict()
            # The best report is the earliest published matching one: an original precedes its
            # syndicated copies and rewrites.
            earlier = (
                article.published is not None
                and row.published is not None
                and article.published < row.published
            )
            if row.facts is None or earlier:
                values.update(
                    article_id=article_id,
                    title=article.title,
                    url=article.url,
                    published=article.published,
                )
        conn.execute(_UPDATE_STORY, {**values, "story": story_id})

    def _rejoin_story(
        self, conn: Connection, article_id: int, matches: Sequence[Match], now: datetime
    ) -> StoryJoin:
        """Keep a rematched article's story consistent with its new matches: it stays when its
        story is still about the same event, else it moves to the story it now reports."""
        member = conn.execute(
            select(story_articles.c.story_id, stories.c.facts)
            .join(stories, stories.c.id == story_articles.c.story_id)
            .where(story_articles.c.article_id == article_id)
        ).first()
        stored = conn.execute(select(articles).where(articles.c.id == article_id)).one()
        facts = facts_of(matches, stored.title)
        record = ArticleRecord(
            source=stored.source,
            url=stored.url,
            fetched_url=stored.fetched_url,
            title=stored.title,
            text=stored.text,
            fingerprint=int(stored.fingerprint),
            content_hash=stored.content_hash,
            published=stored.published,
        )
        if member is not None:
            story_id = int(member.story_id)
            story_facts = Facts.from_dict(member.facts) if member.facts else None
            stays = facts is None or (
                story_facts is not None and same_event(facts, story_facts, 1.0)
            )
            if stays:
                conn.execute(
                    update(story_articles)
                    .where(story_articles.c.article_id == article_id)
                    .values(facts=facts.to_dict() if facts else None)
                )
                self._add_to_story(conn, story_id, article_id, record, facts, now, joined=False)
                return StoryJoin(story_id, False, ())
            # It now reports an event its story is not about: it moves to the story it reports.
            conn.execute(delete(story_articles).where(story_articles.c.article_id == article_id))
            left = conn.execute(
                update(stories)
                .where(stories.c.id == story_id)
                .values(articles=stories.c.articles - 1)
                .returning(stories.c.articles)
            ).scalar()
            if not left:
                conn.execute(delete(stories).where(stories.c.id == story_id))
        return self._join_story(conn, article_id, record, matches, now)

    def _story_parent(self, conn: Connection, story_id: int, channel: str) -> int | None:
        """The delivery that first alerted ``channel`` of the story, if any."""
        found = conn.execute(
            select(story_channels.c.parent_id).where(
                story_channels.c.story_id == story_id, story_channels.c.channel == channel
            )
        ).scalar()
        return int(found) if found is not None else None

    def _claim_parent(
        self, conn: Connection, story_id: int, channel: str, delivery_id: int
    ) -> None:
        conn.execute(
            self._insert(story_channels)
            .values(story_id=story_id, channel=channel, parent_id=delivery_id)
            .on_conflict_do_nothing(index_elements=["story_id", "channel"])
        )

    def purge_story_keys(self, batch: int = 100) -> int:
        """Delete lookup keys older than the story window (no lookup reads them again): the
        key index stays the size of one window, whatever the retention. An article's keys are
        written together, so they go by article, about ``batch`` articles per write transaction
        (no DISTINCT in the query: it would walk the article index instead of the time index)."""
        before = self._clock() - self._story_window
        rows = batch * KEYS_PER_ARTICLE
        query = select(story_keys.c.article_id).where(story_keys.c.created_at < before).limit(rows)
        total = 0
        while True:
            with self._tx("purge_story_keys", write=True) as conn:
                found = list(conn.execute(query).scalars())
                ids = sorted(set(found))
                if ids:
                    total += int(
                        conn.execute(
                            delete(story_keys).where(
                                story_keys.c.article_id.in_(ids),
                                story_keys.c.created_at < before,
                            )
                        ).rowcount
                    )
            if len(found) < rows:
                return total
