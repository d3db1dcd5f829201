"""Readers' feedback: the ``feedback`` table (button presses), ``holds`` (mutes and snoozes) and
``deliveries.held_by`` (the hold that last put a row off, so that lifting it sends the row now).

``schema_version`` stays 3: it only tells releases from before migrations (which accept 2) to
refuse the database, and 3 already does. As in 0003, the columns are written out here rather
than taken from ``schema.py``, so that this record of the change does not move when the current
schema does.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# What schema.py's ``_Id`` is: SQLite only autoincrements an INTEGER PRIMARY KEY.
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column(
            "delivery_id",
            _Id,
            sa.ForeignKey("deliveries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("party", sa.Text),
        sa.Column("envelope_id", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("envelope_id", name="uq_feedback_envelope_id"),
    )
    op.create_index("ix_feedback_delivery_id", "feedback", ["delivery_id"])
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
    op.create_table(
        "holds",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(200), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True)),
        sa.Column("feedback_id", _Id, sa.ForeignKey("feedback.id", ondelete="SET NULL")),
    )
    op.create_index("ix_holds_feedback_id", "holds", ["feedback_id"])
    op.create_index("ix_holds_channel_expires", "holds", ["channel", "expires_at"])
    op.create_index("ix_holds_expires", "holds", ["expires_at"])
    op.add_column("deliveries", sa.Column("held_by", _Id))
    op.create_index("ix_deliveries_held_by", "deliveries", ["held_by"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_held_by", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("held_by")
    op.drop_table("holds")
    op.drop_table("feedback")
