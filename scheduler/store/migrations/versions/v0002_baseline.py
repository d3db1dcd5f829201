"""Baseline: the schema newswatch released as ``schema_version`` 2 (articles, matches, the outbox,
crawl state and stories), before the store had migrations.

Nothing to do: a database of that release has exactly these tables. Opening or upgrading one that
has no ``alembic_version`` yet but ``schema_version`` 2 treats it as at this revision, and
``newswatch db upgrade`` stamps it here before applying the revisions after it (Alembic's cookbook
way of bringing an existing database under migrations).

Revision ID: 0002
Revises: (none)
"""

from __future__ import annotations

revision = "0002"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
