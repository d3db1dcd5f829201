"""The crawler's part of the store: seen URLs, HTTP validators, articles and their matches.

:class:`ArticleTables` implements :class:`crawler.article_store.ArticleStore`, the interface the
crawl's spiders and pipelines are written against. Saving an article writes its URL as seen, its
matches and their outbox rows in one transaction, so a stored match is never without its alert.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Connection

from crawler.article_store import ArticleRecord, SaveResult
from crawler.fingerprint import hamming
from crawler.matching.types import Match
from scheduler.errors import StoreError
from scheduler.store.engine import chunks
from scheduler.store.schema import (
    BANDS,
    article_links,
    articles,
    deliveries,
    http_validators,
    matches_table,
    seen_urls,
)
from scheduler.store.stories import StoryJoin, StoryTables

_MASK64 = (1 << 64) - 1


def signed64(value: int) -> int:
    """``value`` as a signed 64-bit integer (SQL BIGINT)."""
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def simhash_bands(fingerprint: int) -> list[int]:
    """The four 16-bit bands of a SimHash, indexed to find near-duplicates quickly."""
    unsigned = fingerprint & _MASK64
    return [(unsigned >> (16 * i)) & 0xFFFF for i in range(BANDS)]


class ArticleTables(StoryTables):
    """Seen URLs, validators, articles and matches (see module docstring)."""

    # -- URLs and validators ---------------------------------------------------------------------

    def seen_urls(self, urls: Collection[str]) -> set[str]:
        """Those of ``urls`` already stored, linked as duplicates or dropped."""
        wanted = sorted(set(urls))
        found: set[str] = set()
        if not wanted:
            return found
        with self._tx("seen_urls") as conn:
            for chunk in chunks(wanted):
                rows = conn.execute(select(seen_urls.c.url).where(seen_urls.c.url.in_(chunk)))
                found.update(row[0] for row in rows)
        return found

    def mark_seen(
        self, url: str, *, source: str, status: str, article_id: int | None = None
    ) -> None:
        """Remember ``url``; a duplicate with ``article_id`` is also linked to that article."""
        now = self._clock()
        with self._tx("mark_seen", write=True) as conn:
            link = False
            if article_id is not None and status == "duplicate":
                exists = conn.execute(select(articles.c.id).where(articles.c.id == article_id))
                link = exists.first() is not None
            self._remember(conn, url, source, status, article_id, now, link=link)

    def get_http_validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) last seen for ``url``; (None, None) when unknown."""
        with self._tx("get_http_validators") as conn:
            row = conn.execute(
                select(http_validators.c.etag, http_validators.c.last_modified).where(
                    http_validators.c.url == url
                )
            ).first()
        return (row.etag, row.last_modified) if row is not None else (None, None)

    def get_http_validators_many(
        self, urls: Collection[str]
    ) -> dict[str, tuple[str | None, str | None]]:
        """The validators of those of ``urls`` that have any (one query per 500 URLs)."""
        found: dict[str, tuple[str | None, str | None]] = {}
        with self._tx("get_http_validators") as conn:
            for part in chunks(list(urls)):
                rows = conn.execute(
                    select(
                        http_validators.c.url,
                        http_validators.c.etag,
                        http_validators.c.last_modified,
                    ).where(http_validators.c.url.in_(part))
                )
                found.update({row.url: (row.etag, row.last_modified) for row in rows})
        return found

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a response's validators; both None forgets them."""
        now = self._clock()
        with self._tx("set_http_validators", write=True) as conn:
            if etag is None and last_modified is None:
                conn.execute(delete(http_validators).where(http_validators.c.url == url))
                return
            stmt = self._insert(http_validators).values(
                url=url, etag=etag, last_modified=last_modified, updated_at=now
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["url"],
                    set_={"etag": etag, "last_modified": last_modified, "updated_at": now},
                )
            )

    # -- articles --------------------------------------------------------------------------------

    def find_near_duplicate(self, fingerprint: int, *, max_distance: int) -> int | None:
        """Id of a recent article whose SimHash is within ``max_distance`` bits (closest first).

        Only articles created within the near-duplicate window (30 days by default) are looked
        at, so the cost stays bounded. Up to 3 bits the 16-bit bands find every candidate
        (pigeonhole: 4 bands, at most 3 differ); above that the window is scanned in full.
        """
        with self._tx("find_near_duplicate") as conn:
            return self._near_duplicate(conn, fingerprint, max_distance)

    def _near_duplicate(self, conn: Connection, fingerprint: int, max_distance: int) -> int | None:
        since = self._clock() - self._window
        query = select(articles.c.id, articles.c.fingerprint).where(articles.c.created_at >= since)
        if max_distance < BANDS:
            bands = simhash_bands(fingerprint)
            query = query.where(
                or_(*(articles.c[f"band{i}"] == band for i, band in enumerate(bands)))
            )
        # No ORDER BY: sorting by id makes SQLite walk the whole table in id order instead of
        # the window's index; ties go to the oldest id here instead.
        best: tuple[int, int] | None = None
        for row in conn.execute(query):
            candidate = (hamming(fingerprint, row.fingerprint), int(row.id))
            if candidate[0] <= max_distance and (best is None or candidate < best):
                best = candidate
        return best[1] if best is not None else None

    def save_article(
        self,
        article: ArticleRecord,
        matches: Sequence[Match],
        routes: Mapping[str, Sequence[str]],
        *,
        near_duplicate_bits: int | None = None,
    ) -> SaveResult:
        """Store the article, its URL as seen, its story, its matches and its outbox rows in one
        transaction.

        ``routes`` maps a watchlist to its channels; each channel gets one delivery pointing at
        the best-scoring match routed to it (or, for a story that already alerted the channel, an
        update or nothing: see :mod:`scheduler.store.stories`). When the canonical URL is already
        stored (a re-crawl or a race with another writer) nothing is written and ``created`` is
        False. With ``near_duplicate_bits``, an article within that many SimHash bits of one
        stored meanwhile (by another process: the crawl's own check ran before) is linked to it
        as a duplicate instead, under the same claim as the story.
        """
        now = self._clock()
        fingerprint = signed64(article.fingerprint)
        values: dict[str, Any] = {
            "source": article.source,
            "url": article.url,
            "fetched_url": article.fetched_url,
            "title": article.title,
            "text": article.text,
            "published": article.published,
            "authors": list(article.authors),
            "language": article.language,
            "summary": article.summary,
            "fingerprint": fingerprint,
            "content_hash": article.content_hash,
            "discovered_at": article.discovered_at,
            "created_at": now,
        }
        values.update({f"band{i}": band for i, band in enumerate(simhash_bands(fingerprint))})
        with self._tx("save_article", write=True) as conn:
            self._claim_stories(conn)
            if near_duplicate_bits is not None and article.fingerprint:
                original = self._near_duplicate(conn, fingerprint, near_duplicate_bits)
                if original is not None:
                    self._link_duplicate(conn, article, original, now)
                    return SaveResult(article_id=original, created=False)
            # ON CONFLICT DO NOTHING settles the race on both backends without aborting the
            # transaction (a caught IntegrityError would poison it on PostgreSQL).
            new_id = conn.execute(
                self._insert(articles)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["url"])
                .returning(articles.c.id)
            ).scalar()
            if new_id is None:
                existing = conn.execute(
                    select(articles.c.id).where(articles.c.url == article.url)
                ).scalar_one()
                return SaveResult(article_id=int(existing), created=False)
            article_id = int(new_id)
            conn.execute(
                self._insert(seen_urls)
                .values(
                    url=article.url,
                    source=article.source,
                    status="stored",
                    article_id=article_id,
                    first_seen=now,
                )
                .on_conflict_do_update(
                    index_elements=["url"], set_={"status": "stored", "article_id": article_id}
                )
            )
            story = self._join_story(conn, article_id, article, matches, now)
            match_ids, delivery_ids = self._insert_matches(
                conn, article_id, matches, routes, now, story
            )
        return SaveResult(
            article_id=article_id,
            created=True,
            match_ids=match_ids,
            delivery_ids=delivery_ids,
            story_id=story.story_id,
        )

    def _link_duplicate(
        self, conn: Connection, article: ArticleRecord, original: int, now: datetime
    ) -> None:
        for url in dict.fromkeys((article.url, article.fetched_url)):
            self._remember(conn, url, article.source, "duplicate", original, now, link=True)

    def _remember(
        self,
        conn: Connection,
        url: str,
        source: str,
        status: str,
        article_id: int | None,
        now: datetime,
        *,
        link: bool,
    ) -> None:
        """A ``seen_urls`` row for ``url`` (first one wins) and, with ``link``, its link to the
        article it duplicates (``article_id``, which must exist)."""
        conn.execute(
            self._insert(seen_urls)
            .values(url=url, source=source, status=status, article_id=article_id, first_seen=now)
            .on_conflict_do_nothing(index_elements=["url"])
        )
        if link:
            conn.execute(
                self._insert(article_links)
                .values(url=url, article_id=article_id, source=source, created_at=now)
                .on_conflict_do_nothing(index_elements=["url"])
            )

    def add_matches(
        self, article_id: int, matches: Sequence[Match], routes: Mapping[str, Sequence[str]]
    ) -> SaveResult:
        """Add matches found by a rematch: only new (article, watchlist) pairs and their rows.

        A channel that already has a delivery for the article gets no second one. The article's
        story follows its new matches (see :meth:`_rejoin_story`).
        """
        now = self._clock()
        with self._tx("add_matches", write=True) as conn:
            self._claim_stories(conn)
            found = conn.execute(select(articles.c.id).where(articles.c.id == article_id)).first()
            if found is None:
                raise StoreError(f"add_matches: no article with id {article_id}")
            story = self._rejoin_story(conn, article_id, matches, now)
            match_ids, delivery_ids = self._insert_matches(
                conn, article_id, matches, routes, now, story
            )
        return SaveResult(
            article_id=article_id,
            created=False,
            match_ids=match_ids,
            delivery_ids=delivery_ids,
            story_id=story.story_id,
        )

    def _insert_matches(
        self,
        conn: Connection,
        article_id: int,
        matches: Sequence[Match],
        routes: Mapping[str, Sequence[str]],
        now: datetime,
        story: StoryJoin | None = None,
    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        best_per_watchlist: dict[str, Match] = {}
        for match in matches:
            current = best_per_watchlist.get(match.watchlist)
            if current is None or match.score > current.score:
                best_per_watchlist[match.watchlist] = match
        match_ids: list[int] = []
        # channel -> (score, match id) of the best new match routed there
        best_per_channel: dict[str, tuple[float, int]] = {}
        for match in sorted(best_per_watchlist.values(), key=lambda m: -m.score):
            channels = list(dict.fromkeys(routes.get(match.watchlist, ())))
            new_id = conn.execute(
                self._insert(matches_table)
                .values(
                    article_id=article_id,
                    watchlist=match.watchlist,
                    score=match.score,
                    kind=match.kind,
                    payload=match.to_dict(),
                    channels=channels,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["article_id", "watchlist"])
                .returning(matches_table.c.id)
            ).scalar()
            if new_id is None:
                continue
            match_ids.append(int(new_id))
            for channel in channels:
                if channel not in best_per_channel:  # sorted best first: first one wins
                    best_per_channel[channel] = (match.score, int(new_id))
        delivery_ids: list[int] = []
        delivery_channels: list[str] = []
        for channel, (_score, match_id) in best_per_channel.items():
            values: dict[str, Any] = {"event": "new"}
            parent = None
            if story is not None:
                values["story_id"] = story.story_id
                if not story.created:  # a story this save started has alerted no channel yet
                    parent = self._story_parent(conn, story.story_id, channel)
            if parent is not None:
                mode = self.update_mode(channel)
                if mode == "none":
                    continue
                values.update(event="update", material=bool(story and story.material))
                if mode == "thread":
                    values["parent_id"] = parent
            new_delivery = conn.execute(
                self._insert(deliveries)
                .values(
                    article_id=article_id,
                    match_id=match_id,
                    channel=channel,
                    status="pending",
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                    updated_at=now,
                    **values,
                )
                .on_conflict_do_nothing(index_elements=["article_id", "channel"])
                .returning(deliveries.c.id)
            ).scalar()
            if new_delivery is not None:
                delivery_ids.append(int(new_delivery))
                delivery_channels.append(channel)
                if story is not None and parent is None:
                    self._claim_parent(conn, story.story_id, channel, int(new_delivery))
        if delivery_channels and self.on_new_deliveries is not None:
            self.on_new_deliveries(conn, delivery_channels)
        return tuple(match_ids), tuple(delivery_ids)
