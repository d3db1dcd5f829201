"""The database schema of the service: every table, and the timestamp type they share.

One :class:`~sqlalchemy.MetaData` for SQLite and PostgreSQL alike. Timestamps are aware UTC in
Python on both backends (:class:`UTCDateTime`). A new database is created from this metadata; an
existing one changes only through a migration in ``scheduler/store/migrations/versions`` (see
:mod:`scheduler.store.migrate`), and a change here without one fails the tests. Opening a store
at the current revision also creates an index of these tables that the database lacks (as it did
before migrations), so every foreign key with an ``ON DELETE`` action and every retention filter
has one on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

# Kept with the plain records: the read-only path checks it without importing SQLAlchemy.
from scheduler.store.records import SCHEMA_VERSION as SCHEMA_VERSION

BANDS = 4  # 64-bit SimHash split in 4 bands of 16 bits: distance <= 3 shares at least one band


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is aware UTC in Python on every backend (SQLite keeps it naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive time is ambiguous; refusing it here catches the bug where it is made.
            raise ValueError(f"naive datetime {value.isoformat()} given to the store; use UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

sources = Table(
    "sources",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("last_run", UTCDateTime),
    Column("last_success", UTCDateTime),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("items_seen", Integer, nullable=False, default=0),
    Column("new_articles_total", Integer, nullable=False, default=0),
    Column("last_new_article", UTCDateTime),
    Column("status", String(20), nullable=False, default="ok"),
    Column("next_due", UTCDateTime),
    Column("last_items_at", UTCDateTime),
)

http_validators = Table(
    "http_validators",
    metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False, index=True),
    Column("url", Text, nullable=False, unique=True),
    Column("fetched_url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("published", UTCDateTime),
    Column("authors", JSON, nullable=False),
    Column("language", String(20)),
    Column("summary", Text),
    Column("fingerprint", BigInteger, nullable=False),
    *(Column(f"band{i}", Integer, nullable=False, index=True) for i in range(BANDS)),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("discovered_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False, index=True),
)

seen_urls = Table(
    "seen_urls",
    metadata,
    Column("url", Text, primary_key=True),
    Column("source", String(200), nullable=False),
    Column("status", String(100), nullable=False),  # stored | duplicate | dropped:<reason>
    Column("article_id", _Id, ForeignKey("articles.id", ondelete="SET NULL")),
    Column("first_seen", UTCDateTime, nullable=False, index=True),
    # Deleting an article looks up its seen URLs (ON DELETE SET NULL): without this index every
    # purged article scans the whole table. Partial, so that it stays small (dropped, duplicate
    # and purged URLs have no article) and so that purging old URLs without an article walks
    # ``first_seen`` rather than every NULL.
    Index(
        "ix_seen_urls_article_id",
        "article_id",
        sqlite_where=text("article_id IS NOT NULL"),
        postgresql_where=text("article_id IS NOT NULL"),
    ),
)

article_links = Table(
    "article_links",
    metadata,
    Column("url", Text, primary_key=True),  # a duplicate's URL
    Column(
        "article_id", _Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("source", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

matches = Table(
    "matches",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("article_id", _Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("watchlist", String(200), nullable=False),
    Column("score", Float, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("payload", JSON, nullable=False),  # Match.to_dict()
    Column("channels", JSON, nullable=False),  # channels the match was routed to when stored
    Column("created_at", UTCDateTime, nullable=False, index=True),
    UniqueConstraint("article_id", "watchlist", name="uq_matches_article_watchlist"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False, index=True),
    # The best report: the earliest published matching article (an original precedes its copies).
    Column("article_id", _Id, ForeignKey("articles.id", ondelete="SET NULL"), index=True),
    Column("title", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("published", UTCDateTime),  # of the best report
    Column("facts", JSON),  # the story's event (scheduler.story_keys.Facts), None without one
    Column("seen", JSON, nullable=False),  # statuses, amounts and parties reported so far
    Column("frames", JSON, nullable=False),  # distinct event headlines of its articles
    Column("outlets", JSON, nullable=False),  # source names, first report first
    Column("articles", Integer, nullable=False),
    Column("best_score", Float),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("article_id", _Id, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "story_id", _Id, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("source", String(200), nullable=False),
    Column("joined_at", UTCDateTime, nullable=False),
    Column("signature", LargeBinary, nullable=False),  # MinHash of title + lead
    Column("facts", JSON),
    Column("material", JSON, nullable=False),  # what this report added to the story, if anything
)

# Indexed lookup keys of recent articles: LSH band keys and event party keys (one table, one
# index), so finding a story's candidates never scans articles.
story_keys = Table(
    "story_keys",
    metadata,
    Column("key", BigInteger, nullable=False),
    Column(
        "article_id",
        _Id,
        ForeignKey("story_articles.article_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("story_id", _Id, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Covering: the lookup reads key, time and ids from the index alone.
    Index("ix_story_keys_lookup", "key", "created_at", "story_id", "article_id"),
    Index("ix_story_keys_created", "created_at"),  # purging keys past the story window
)

# The story's first alert per channel: the unique claim that makes every later report an update.
story_channels = Table(
    "story_channels",
    metadata,
    Column("story_id", _Id, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("channel", String(200), primary_key=True),
    Column(
        "parent_id",
        _Id,
        ForeignKey("deliveries.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("article_id", _Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("match_id", _Id, ForeignKey("matches.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    # Stories (scheduler.store.stories): the story the article joined, whether this row is the
    # story's first alert on the channel ("new") or a later report ("update"), whether that
    # report changes the story (a new status, amount or party), the parent row a reply waits
    # for, and the channel's reference of what was posted (Slack's ts: replies thread on it).
    Column("story_id", _Id, ForeignKey("stories.id", ondelete="SET NULL"), index=True),
    Column("event", String(10)),
    Column("material", Boolean, nullable=False, default=False),
    Column("parent_id", _Id, ForeignKey("deliveries.id", ondelete="SET NULL"), index=True),
    Column("message_ref", Text),
    # The reader's hold (scheduler.store.feedback) that last put this row off: lifting that hold
    # makes the row due at once. No foreign key: a purged hold leaves a harmless number.
    Column("held_by", _Id, index=True),
    # The same article never alerts one channel twice, whatever matched it and however often.
    UniqueConstraint("article_id", "channel", name="uq_deliveries_article_channel"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_sent", "channel", "status", "sent_at"),
    # Deleting a match looks up its deliveries (ON DELETE CASCADE) by this column.
    Index("ix_deliveries_match_id", "match_id"),
)

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),
    Column("started", UTCDateTime, nullable=False),
    Column("finished", UTCDateTime, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("not_modified", Integer, nullable=False),
    Column("new_articles", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("dropped", JSON, nullable=False),
    Column("error", Text),
    Index("ix_crawl_runs_source_started", "source", "started"),
    Index("ix_crawl_runs_started", "started"),  # retention deletes by age across sources
)


# Cluster mode (several nodes on one PostgreSQL). Both tables exist on every backend so that one
# schema serves both modes; a single node never writes them.
cluster_nodes = Table(
    "cluster_nodes",
    metadata,
    Column("node_id", String(64), primary_key=True),
    Column("hostname", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("version", String(32), nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_heartbeat", UTCDateTime, nullable=False),
)

# The idempotency ledger: one row per (source, cadence slot). A retried or stalled crawl job finds
# its slot done and does not crawl it twice; the dispatcher catches up from the last done slot.
crawl_slots = Table(
    "crawl_slots",
    metadata,
    Column("source", String(200), primary_key=True),
    Column("slot", UTCDateTime, primary_key=True),  # start of the cadence slot
    Column("status", String(16), nullable=False),  # running | done | failed
    Column("node_id", String(64)),
    Column("attempts", Integer, nullable=False, default=1),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_crawl_slots_started_at", "started_at"),  # retention deletes by age
)


# Readers' feedback (scheduler.store.feedback): one row per button press on a delivered alert.
feedback = Table(
    "feedback",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        _Id,
        ForeignKey("deliveries.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("channel", String(200), nullable=False),
    Column("action", String(20), nullable=False),  # relevant | not_relevant | mute | snooze
    Column("user_id", String(200), nullable=False),
    Column("user_name", Text, nullable=False),
    Column("party", Text),  # a mute's party as the button showed it
    # The transport's id of the press (NULL when it gave none): a second press with the same id
    # is a replay and is refused by this constraint.
    Column("envelope_id", String(200)),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    UniqueConstraint("envelope_id", name="uq_feedback_envelope_id"),
)

# Mutes (of a party) and snoozes (of a story) per channel: expiring overrides of the config.
holds = Table(
    "holds",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # mute | snooze
    Column("channel", String(200), nullable=False),
    Column("key", Text, nullable=False),  # mute: party_key(party); snooze: the story id
    Column("label", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("lifted_at", UTCDateTime),
    Column("feedback_id", _Id, ForeignKey("feedback.id", ondelete="SET NULL"), index=True),
    Index("ix_holds_channel_expires", "channel", "expires_at"),
    Index("ix_holds_expires", "expires_at"),  # retention deletes by age
)


# ``matches`` is also a common parameter name; the alias keeps the table apart where both occur.
matches_table = matches
