"""Procrastinate's own tables and functions, in the database (and schema) newswatch uses.

:func:`queue_conninfo` turns newswatch's SQLAlchemy URL into the libpq connection string
Procrastinate's psycopg connector takes, keeping its query options (a ``search_path`` in
``options`` puts the queue in the same schema as newswatch's tables). :func:`apply_queue_schema`
creates the queue's schema once: it is idempotent, checks whether the tables already exist, and
holds an advisory lock so that nodes starting together do not race. ``newswatch db upgrade``
applies it, and every cluster node checks it at start, so a cluster set up without it still runs.
It creates the schema of the installed Procrastinate; the dependency is held to one minor release
because a newer one may bring migrations of that schema, which this does not apply.
"""

from __future__ import annotations

import psycopg
from procrastinate.schema import SchemaManager
from psycopg import sql

from scheduler.errors import ConfigError
from scheduler.store.engine import normalise_url

# Any constant distinct from the store's own schema lock (engine.ensure_schema).
_SCHEMA_LOCK = 7263540502


def queue_conninfo(database_url: str) -> str:
    """The libpq URI of a PostgreSQL ``database_url``, its password and options kept."""
    url = normalise_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError("cluster mode needs a PostgreSQL database_url", key="service.cluster")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def queue_schema_applied(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    """Whether the queue's tables are visible on ``conn``'s ``search_path``."""
    row = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
    return bool(row and row[0])


def apply_queue_schema(database_url: str) -> bool:
    """Create Procrastinate's schema unless it is there; return whether it was created."""
    with psycopg.connect(queue_conninfo(database_url), autocommit=False) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        if queue_schema_applied(conn):
            return False
        # Procrastinate vouches for its own SQL file (no parameters in it).
        conn.execute(sql.SQL(SchemaManager.get_schema()))  # type: ignore[arg-type]
        conn.commit()
    return True
