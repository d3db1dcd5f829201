"""Schema revisions: where a database stands, and moving it to this version's head with Alembic.

The revisions live in :mod:`scheduler.store.migrations` (``versions/``, run through ``env.py`` on
a connection handed in, no ``alembic.ini``). ``0002`` is the baseline, the schema released as
``schema_version`` 2 before the store had migrations; a database of that release has no
``alembic_version`` table and is recognised by its ``schema_version``. Every store open reads the
revision with plain SQL and compares it with :data:`HEAD` without importing Alembic (a third of a
second): :data:`REVISIONS` lists the script directory's chain, which the tests check. Alembic is
loaded only to create a new database's record (``stamp``) and to upgrade.

``schema_version`` stays for newswatch releases from before migrations: they accept only 2, so a
revision that changes the schema sets it to something else and they refuse the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from scheduler.errors import StoreError
from scheduler.store.records import SCHEMA_REVISIONS
from scheduler.store.schema import SCHEMA_VERSION, metadata, schema_version

if TYPE_CHECKING:
    from alembic.config import Config

REVISIONS = SCHEMA_REVISIONS
BASELINE = REVISIONS[0]
HEAD = REVISIONS[-1]
# ``schema_version`` of a database from before migrations -> the revision it is at.
_LEGACY = {2: BASELINE}
# One key for every schema change, so that nodes starting (or upgrading) at once take turns.
_LOCK_KEY = 7263540501
_SCRIPTS = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class Revision:
    """Where a database's schema stands."""

    current: str | None  # None: no newswatch schema yet (an empty database)
    stamped: bool  # False: recognised from schema_version, no alembic_version row yet

    @property
    def at_head(self) -> bool:
        return self.current == HEAD

    @property
    def known(self) -> bool:
        return self.current is None or self.current in REVISIONS

    def describe(self) -> str:
        if self.current is None:
            return "none (empty database)"
        if not self.stamped:
            return (
                f"{self.current} (from before migrations: schema_version {_legacy(self.current)})"
            )
        return self.current


def _legacy(revision: str) -> int:
    return next(v for v, r in _LEGACY.items() if r == revision)


def lock(conn: Connection) -> None:
    """On PostgreSQL, wait for the schema lock until the transaction ends (SQLite's ``BEGIN
    IMMEDIATE`` already serialises writers)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def read_revision(conn: Connection) -> Revision:
    """The database's revision: ``alembic_version``, else what its ``schema_version`` says."""
    if conn.dialect.has_table(conn, "alembic_version"):
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if len(rows) > 1:
            raise StoreError(
                f"database records several schema revisions ({', '.join(sorted(rows))}); "
                "newswatch's migrations are one chain"
            )
        if rows:
            return Revision(str(rows[0]), stamped=True)
    if not conn.dialect.has_table(conn, "schema_version"):
        return Revision(None, stamped=False)
    version = conn.execute(select(schema_version.c.version)).scalar()
    if version is None:
        return Revision(None, stamped=False)
    if version in _LEGACY:
        return Revision(_LEGACY[version], stamped=False)
    if version < min(_LEGACY):
        raise StoreError(
            f"database schema version {version} is older than any this newswatch can upgrade "
            f"(from {min(_LEGACY)} on)"
        )
    raise StoreError(
        f"database schema version {version} has no revision record and is unknown to this "
        f"newswatch (schema revision {HEAD}); was it made by a newer version?"
    )


def problem(revision: Revision) -> str | None:
    """Why this newswatch cannot use a database at ``revision``, or None when it can."""
    if revision.at_head:
        return None
    if revision.current is None:
        return "database has no newswatch schema"
    if revision.known:
        return (
            f"database schema is at revision {revision.current}, this newswatch needs {HEAD}: "
            "back up the database, then run `newswatch db upgrade`"
        )
    return (
        f"database schema is at revision {revision.current}, which this newswatch does not know "
        f"(its newest is {HEAD}): the database was upgraded by a newer newswatch; run that one"
    )


def create(conn: Connection) -> None:
    """Create every table of a new database and record it at :data:`HEAD`."""
    metadata.create_all(conn)
    conn.execute(schema_version.delete())
    conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
    _alembic("stamp", conn, HEAD)


def upgrade(conn: Connection) -> Revision:
    """Bring the database to :data:`HEAD` (an empty one is created there); the revision before.

    Idempotent: at head, Alembic finds nothing to run. The caller holds the transaction and
    :func:`lock`.
    """
    before = read_revision(conn)
    if before.current is None:
        create(conn)
        return before
    if not before.known:
        raise StoreError(problem(before) or "")
    if not before.stamped:
        # The cookbook's way for a database older than migrations: record it at its baseline,
        # then upgrade as any other.
        _alembic("stamp", conn, before.current)
    _alembic("upgrade", conn, "head")
    return before


def alembic_config(conn: Connection) -> Config:
    """Alembic's config for the package's script directory, running on ``conn``."""
    from alembic.config import Config

    config = Config()
    # set_main_option interpolates %(name)s: a literal % in the install path must be doubled.
    config.set_main_option("script_location", str(_SCRIPTS).replace("%", "%%"))
    config.attributes["connection"] = conn
    return config


def _alembic(action: str, conn: Connection, revision: str) -> None:
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config(conn)
    try:
        if action == "stamp":
            command.stamp(config, revision)
        else:
            command.upgrade(config, revision)
    except CommandError as exc:
        raise StoreError(f"schema {action} to {revision} failed: {exc}") from exc
