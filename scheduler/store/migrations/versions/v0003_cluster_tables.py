"""Cluster mode: the ``cluster_nodes`` heartbeat table and the ``crawl_slots`` ledger.

Both tables are created on every backend (one schema serves both modes; a single node never writes
them). ``schema_version`` becomes 3, so that a newswatch from before migrations, which accepts only
2, refuses a migrated database instead of running on a schema it does not know.

The columns are written out here rather than taken from ``schema.py``: a revision is a record of
one change and must not move when the current schema does. ``DateTime(timezone=True)`` is what
``schema.UTCDateTime`` stores (the conversion to UTC happens in Python).

A table that already exists is left alone: newswatch built from the commit that added these tables
to ``schema.py`` (before this revision existed) created them, empty and of this shape, in databases
still marked ``schema_version`` 2.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "cluster_nodes" not in existing:
        _create_cluster_nodes()
    if "crawl_slots" not in existing:
        _create_crawl_slots()
    op.execute(sa.text("UPDATE schema_version SET version = 3"))


def _create_cluster_nodes() -> None:
    op.create_table(
        "cluster_nodes",
        sa.Column("node_id", sa.String(64), primary_key=True),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_heartbeat", sa.DateTime(timezone=True), nullable=False),
    )


def _create_crawl_slots() -> None:
    op.create_table(
        "crawl_slots",
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("slot", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("node_id", sa.String(64)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_crawl_slots_started_at", "crawl_slots", ["started_at"])


def downgrade() -> None:
    op.execute(sa.text("UPDATE schema_version SET version = 2"))
    op.drop_index("ix_crawl_slots_started_at", table_name="crawl_slots")
    op.drop_table("crawl_slots")
    op.drop_table("cluster_nodes")
