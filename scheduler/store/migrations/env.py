"""Alembic's environment for the store: migrations run on the connection the caller hands in.

:mod:`scheduler.store.migrate` opens the connection, begins the transaction (and, on PostgreSQL,
takes the schema's advisory lock) and passes the connection as ``config.attributes["connection"]``;
there is no ``alembic.ini`` and no offline (SQL script) mode. Because the transaction is the
caller's, Alembic's ``begin_transaction`` joins it: every revision of one upgrade commits or rolls
back together on both backends (SQLite and PostgreSQL both have transactional DDL).

Writing a revision: copy the newest file in ``versions/``, give it the next number as
``revision`` and the previous one as ``down_revision``, change ``schema.py`` to match, and bump
``HEAD`` in :mod:`scheduler.store.migrate`. ``tests/scheduler/test_migrations.py`` fails until the
migrated schema equals ``schema.metadata``. On SQLite, a change to an existing table (a column
type, a dropped column, a constraint) needs ``op.batch_alter_table``, which copies the table:
``render_as_batch`` makes autogenerate write it that way.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from scheduler.store.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "newswatch migrations run on a connection passed in config.attributes['connection'] "
        "(see scheduler.store.migrate); use `newswatch db upgrade`"
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # The caller's transaction holds every revision; SQLite's DDL is transactional too (Alembic
    # assumes it is not, which would only change what it logs here).
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
