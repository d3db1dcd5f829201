"""``newswatch db upgrade | current``: move the database's schema to this version's, or say where
it stands.

``upgrade`` runs :data:`UPGRADE_STEPS` in order. Each step is idempotent and safe when several
nodes run it at once (the schema step migrates under the schema lock: on PostgreSQL an advisory
lock, on SQLite the write lock), and prints one line. A store refuses to open a schema behind this
version, so run ``upgrade`` once after installing a new version and before starting the service.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.config import Config


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "db",
    )
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = sub.add_parser(
        "upgrade", help="migrate the database to this version's schema (back it up first)"
    )
    upgrade.set_defaults(func=run_upgrade)
    current = sub.add_parser(
        "current",
        help="show the schema revision of the database and this version's (exit 1: behind)",
    )
    current.set_defaults(func=run_current)


def upgrade_schema(config: Config) -> str:
    """The store's tables: Alembic's revisions up to this version's head."""
    from scheduler.store.engine import Database, open_engine
    from scheduler.store.migrate import HEAD

    with Database(open_engine(config.database_url)) as database:
        before = database.upgrade_schema()
    if before.current is None:
        return f"schema: created at revision {HEAD}"
    if before.at_head:
        return f"schema: at revision {HEAD} already, nothing to do"
    return f"schema: upgraded from revision {before.describe()} to {HEAD}"


def upgrade_queue(config: Config) -> str:
    """Cluster mode's job queue: Procrastinate's own tables, in the same database and schema."""
    if not config.service.cluster:
        return "job queue: not used (no cluster mode)"
    from scheduler.cluster.queue_schema import apply_queue_schema

    created = apply_queue_schema(config.database_url)
    return "job queue: created" if created else "job queue: present already, nothing to do"


# What ``db upgrade`` does, in order: (name, step). A step takes the config, changes what it owns
# idempotently and returns the line to print.
UPGRADE_STEPS: list[tuple[str, Callable[[Config], str]]] = [
    ("schema", upgrade_schema),
    ("queue", upgrade_queue),
]


def run_upgrade(args: argparse.Namespace) -> int:
    from scheduler.config import load_config
    from scheduler.store import redact_url

    # Migrating needs no delivery secret: an unset one must not stop it.
    config = load_config(args.config, secrets=False)
    print(f"database: {redact_url(config.database_url)}")
    for _name, step in UPGRADE_STEPS:
        print(step(config), flush=True)
    return 0


def run_current(args: argparse.Namespace) -> int:
    from scheduler.config import load_config
    from scheduler.store import redact_url
    from scheduler.store.engine import Database, open_engine
    from scheduler.store.migrate import HEAD, problem

    config = load_config(args.config, secrets=False)
    with Database(open_engine(config.database_url)) as database:
        revision = database.schema_revision()
    print(f"database: {redact_url(config.database_url)}")
    print(f"current:  {revision.describe()}")
    print(f"head:     {HEAD}")
    why = problem(revision)
    if why is None:
        print("up to date")
        return 0
    if revision.current is None:
        why += ": `newswatch db upgrade` (or the first start) creates it"
    print(why)
    return 1
