"""Schema migrations on SQLite and PostgreSQL: a database as newswatch released it at schema
version 2 is refused until ``newswatch db upgrade`` brings it to head, rows intact; a new database
opens at head; a newer database is refused; and ``schema.py`` never drifts from the migrations.

The released v2 schema is frozen in ``tests/fixtures/schema-v2/`` (the DDL that release's
``create_all`` ran), so that a change to ``schema.py`` cannot quietly change the starting point.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from scheduler.cli import main
from scheduler.errors import StoreError
from scheduler.store import open_store
from scheduler.store.engine import Database, open_engine
from scheduler.store.migrate import BASELINE, HEAD, REVISIONS, Revision, alembic_config
from scheduler.store.schema import (
    SCHEMA_VERSION,
    articles,
    cluster_nodes,
    crawl_slots,
    metadata,
    sources,
)
from tests.scheduler.test_commands import WATCHLIST

REPO = Path(__file__).resolve().parents[2]
V2_DDL = REPO / "tests" / "fixtures" / "schema-v2"
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
BEHIND = (
    f"database schema is at revision {BASELINE}, this newswatch needs {HEAD}: "
    "back up the database, then run `newswatch db upgrade`"
)


def make_v2(url: str) -> None:
    """A database as newswatch 2 left it: its tables, schema_version 2, a source and an article."""
    ddl = (V2_DDL / f"{'sqlite' if url.startswith('sqlite') else 'postgresql'}.sql").read_text()
    code = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    with Database(open_engine(url)) as database, database.engine.begin() as conn:
        for statement in filter(str.strip, code.split(";\n")):
            conn.exec_driver_sql(statement)
        conn.execute(sources.insert().values(name="wire", last_run=NOW, status="ok"))
        conn.execute(
            articles.insert().values(
                source="wire",
                url="https://example.com/a",
                fetched_url="https://example.com/a",
                title="Meta hires Scale AI's CEO",
                text="Body.",
                authors=["A. Writer"],
                fingerprint=42,
                band0=1,
                band1=2,
                band2=3,
                band3=4,
                content_hash="h" * 64,
                created_at=NOW,
            )
        )


def differences(conn: Connection) -> list[Any]:
    """What Alembic's autogenerate would change to make the database equal ``schema.metadata``."""
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


def state(url: str) -> tuple[list[str], int, list[str], list[str]]:
    """alembic_version rows, schema_version, source names and article URLs."""
    with Database(open_engine(url)) as database, database.engine.connect() as conn:
        return (
            list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()),
            conn.execute(text("SELECT version FROM schema_version")).scalar_one(),
            list(conn.execute(text("SELECT name FROM sources")).scalars()),
            list(conn.execute(text("SELECT url FROM articles")).scalars()),
        )


def upgrade(url: str) -> Revision:
    with Database(open_engine(url)) as database:
        return database.upgrade_schema()


def test_revisions_listed_in_code_are_alembics_chain() -> None:
    """Opening a store checks against REVISIONS without loading Alembic: it must be the chain."""
    with Database(open_engine("sqlite://")) as database, database.engine.connect() as conn:
        script = ScriptDirectory.from_config(alembic_config(conn))
    chain = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert tuple(chain) == REVISIONS
    assert script.get_current_head() == HEAD


def test_a_released_v2_database_is_refused_until_upgraded(db_url: str) -> None:
    make_v2(db_url)
    with pytest.raises(StoreError) as refused:
        open_store(db_url)
    assert str(refused.value).endswith(": " + BEHIND)
    assert "cannot open database" in str(refused.value)
    with Database(open_engine(db_url)) as database:
        assert database.schema_revision() == Revision(BASELINE, stamped=False)

    before = upgrade(db_url)

    assert before == Revision(BASELINE, stamped=False)
    assert state(db_url) == ([HEAD], SCHEMA_VERSION, ["wire"], ["https://example.com/a"])
    with Database(open_engine(db_url)) as database, database.engine.connect() as conn:
        assert differences(conn) == []
    with open_store(db_url) as store:
        assert [s.name for s in store.list_source_states()] == ["wire"]
        assert store.schema_revision() == Revision(HEAD, stamped=True)


def test_schema_py_and_the_migrations_agree(db_url: str) -> None:
    """Fails when schema.py changes without a revision (or a revision without schema.py): the
    released v2 database migrated to head must be exactly what ``create_all`` makes today."""
    make_v2(db_url)
    upgrade(db_url)
    with Database(open_engine(db_url)) as database, database.engine.connect() as conn:
        found = differences(conn)
    assert found == [], f"schema.py and the migrations differ; add a revision: {found}"


def test_cluster_tables_made_before_their_revision_are_kept(db_url: str) -> None:
    """A database of a build that had the two tables in schema.py before revision 0003 existed
    (still ``schema_version`` 2): the upgrade keeps them and their rows."""
    make_v2(db_url)
    with Database(open_engine(db_url)) as database, database.engine.begin() as conn:
        metadata.create_all(conn, tables=[cluster_nodes, crawl_slots])
        conn.execute(
            crawl_slots.insert().values(source="wire", slot=NOW, status="done", started_at=NOW)
        )
    assert upgrade(db_url) == Revision(BASELINE, stamped=False)
    with Database(open_engine(db_url)) as database, database.engine.connect() as conn:
        assert differences(conn) == []
        assert conn.execute(text("SELECT source FROM crawl_slots")).scalars().all() == ["wire"]
    assert state(db_url)[:2] == ([HEAD], SCHEMA_VERSION)


def test_a_new_database_opens_at_head(db_url: str) -> None:
    with open_store(db_url) as store:
        assert store.schema_revision() == Revision(HEAD, stamped=True)
        with store.engine.connect() as conn:
            assert differences(conn) == []
    assert state(db_url) == ([HEAD], SCHEMA_VERSION, [], [])
    # Upgrading a database at head changes nothing.
    assert upgrade(db_url) == Revision(HEAD, stamped=True)
    assert state(db_url) == ([HEAD], SCHEMA_VERSION, [], [])


def test_upgrade_creates_an_empty_database_and_runs_twice_as_a_no_op(db_url: str) -> None:
    assert upgrade(db_url) == Revision(None, stamped=False)
    assert upgrade(db_url) == Revision(HEAD, stamped=True)
    assert state(db_url) == ([HEAD], SCHEMA_VERSION, [], [])
    open_store(db_url).close()


def test_a_failed_upgrade_leaves_the_database_as_it_was(db_url: str) -> None:
    """Every step of an upgrade is one transaction: here the last DDL of 0003 fails (its index
    name is taken), and neither the tables made before it nor the baseline stamp remain."""
    make_v2(db_url)
    with Database(open_engine(db_url)) as database, database.engine.begin() as conn:
        conn.execute(text("CREATE INDEX ix_crawl_slots_started_at ON sources (status)"))
    with pytest.raises(StoreError, match="upgrade schema failed"):
        upgrade(db_url)
    with Database(open_engine(db_url)) as database, database.engine.connect() as conn:
        for table in ("alembic_version", "cluster_nodes", "crawl_slots"):
            assert not conn.dialect.has_table(conn, table), table
        assert conn.execute(text("SELECT version FROM schema_version")).scalar_one() == 2
        assert database.schema_revision() == Revision(BASELINE, stamped=False)
    with Database(open_engine(db_url)) as database, database.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_crawl_slots_started_at"))
    assert upgrade(db_url) == Revision(BASELINE, stamped=False)
    assert state(db_url) == ([HEAD], SCHEMA_VERSION, ["wire"], ["https://example.com/a"])


def test_nodes_upgrading_at_once_take_turns(db_url: str) -> None:
    """Two nodes running ``db upgrade`` together: one migrates, the other then finds it done."""
    make_v2(db_url)
    results: list[Revision] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def node() -> None:
        try:
            with Database(open_engine(db_url)) as database:
                barrier.wait(timeout=30)
                results.append(database.upgrade_schema())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=node) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(results, key=lambda r: r.stamped) == [
        Revision(BASELINE, stamped=False),
        Revision(HEAD, stamped=True),
    ]
    assert state(db_url) == ([HEAD], SCHEMA_VERSION, ["wire"], ["https://example.com/a"])


def test_a_database_from_a_newer_version_is_refused(db_url: str) -> None:
    open_store(db_url).close()
    with Database(open_engine(db_url)) as database, database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StoreError, match="revision 0099, which this newswatch does not know"):
        open_store(db_url)
    with pytest.raises(StoreError, match="upgraded by a newer newswatch"):
        upgrade(db_url)
    assert state(db_url)[0] == ["0099"]


@pytest.mark.parametrize("version", [1, 7])
def test_an_unknown_schema_version_without_revision_is_refused(db_url: str, version: int) -> None:
    make_v2(db_url)
    with Database(open_engine(db_url)) as database, database.engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = :v"), {"v": version})
    with pytest.raises(StoreError, match=f"schema version {version} "):
        open_store(db_url)
    with pytest.raises(StoreError, match=f"schema version {version} "):
        upgrade(db_url)


def write_config(tmp_path: Path, db_url: str) -> Path:
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "deals.toml").write_text(WATCHLIST)
    config = tmp_path / "newswatch.toml"
    config.write_text(
        f'[service]\ndatabase_url = "{db_url}"\nhealth_listen = ""\n\n'
        '[watchlists]\ninclude = ["watchlists/*.toml"]\n\n'
        '[[source]]\nname = "wire"\nfeed = "https://example.com/feed.xml"\n'
    )
    return config


def test_db_commands(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(write_config(tmp_path, db_url))
    make_v2(db_url)
    assert main(["--config", config, "db", "current"]) == 1
    out = capsys.readouterr().out
    assert f"current:  {BASELINE} (from before migrations: schema_version 2)" in out
    assert f"head:     {HEAD}" in out
    assert BEHIND in out

    assert main(["--config", config, "db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"schema: upgraded from revision {BASELINE} " in out and f"to {HEAD}" in out
    assert main(["--config", config, "db", "upgrade"]) == 0
    assert f"at revision {HEAD} already, nothing to do" in capsys.readouterr().out

    assert main(["--config", config, "db", "current"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["--config", config, "status"]) == 0


@pytest.mark.e2e
def test_commands_on_an_old_database_say_how_to_upgrade(db_url: str, tmp_path: Path) -> None:
    """As a user sees it: ``newswatch status`` (and ``run``) print the one line and exit 1."""
    config = str(write_config(tmp_path, db_url))
    make_v2(db_url)

    def newswatch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scheduler.cli", "--config", config, *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )

    for command in (["status"], ["run"]):
        proc = newswatch(*command)
        assert proc.returncode == 1, proc.stderr
        errors = [line for line in proc.stderr.splitlines() if "error" in line.lower()]
        assert len(errors) == 1, proc.stderr
        assert errors[0].startswith("newswatch: error: cannot open database ")
        assert errors[0].endswith(": " + BEHIND)
    proc = newswatch("db", "upgrade")
    assert proc.returncode == 0, proc.stderr
    assert f"to {HEAD}" in proc.stdout
    assert newswatch("status").returncode == 0
