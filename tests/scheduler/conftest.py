"""Database fixtures for the scheduler tests: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a schema of their own (``search_path`` set through the connection options) that
is dropped afterwards, so tests never see each other's rows. When the server is unreachable the
PostgreSQL half is skipped, except under ``CI`` where a missing server must fail the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

PG_URL = os.environ.get("NEWSWATCH_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for an empty database: a SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'newswatch.sqlite'}"
        return
    try:
        admin = _pg_admin()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} unreachable under CI: {exc}")
        pytest.skip(f"PostgreSQL at {PG_URL} unreachable (set CI=true to make this fail): {exc}")
    schema = f"nw_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            base = PG_URL.split("://", 1)[1]
            joiner = "&" if "?" in base else "?"
            yield f"postgresql+psycopg://{base}{joiner}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
