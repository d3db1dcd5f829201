"""The cluster's shared tables on PostgreSQL: the slot ledger, status compare-and-set, the nodes.

A slot is claimed again only while it is not done (a retried job never crawls a done slot twice);
of two nodes setting the same status, one changes it (and tells ops); ``newswatch status`` lists the
nodes and warns when their config hashes differ or a heartbeat stopped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import text
from sqlalchemy.engine import Connection

from crawler.article_store import SaveResult
from scheduler.cli import main
from scheduler.cluster import ledger
from scheduler.cluster.deliveries import DeliveryJobs
from scheduler.cluster.nodes import Node, list_nodes, nodes_warnings
from scheduler.cluster.queue_schema import apply_queue_schema, queue_conninfo, queue_schema_applied
from scheduler.cluster.slot_batches import SlotBatches
from scheduler.store import SourceState, Store, open_store
from scheduler.store.readonly import open_readonly
from tests.scheduler.test_store import make_article, make_match

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

SLOT = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def node_row(node_id: str, config_hash: str, age: float = 0.0) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "node_id": node_id,
        "hostname": "host",
        "pid": 1,
        "version": "0.1.0",
        "config_hash": config_hash,
        "started_at": now - timedelta(minutes=1),
        "last_heartbeat": now - timedelta(seconds=age),
    }


async def test_a_done_slot_is_never_claimed_again(db_url: str) -> None:
    store = open_store(db_url)
    pool = AsyncConnectionPool(queue_conninfo(db_url), min_size=1, open=False)
    await pool.open()
    try:
        assert await ledger.claim_slot(pool, "wire", SLOT, "a") == 1
        # The node died mid-crawl: the retried job claims the slot again (second attempt).
        assert await ledger.claim_slot(pool, "wire", SLOT, "b") == 2
        await ledger.finish_slot(pool, "wire", SLOT, ok=True)
        assert await ledger.claim_slot(pool, "wire", SLOT, "c") is None
        assert ledger.latest_slots(store, 3) == {"wire": SLOT}
        # A failed slot does not cover the source until it failed max_attempts times.
        later = SLOT + timedelta(minutes=1)
        await ledger.claim_slot(pool, "wire", later, "a")
        await ledger.finish_slot(pool, "wire", later, ok=False)
        assert ledger.latest_slots(store, 3) == {"wire": SLOT}
        assert ledger.latest_slots(store, 1) == {"wire": later}
        # Retention keeps each source's latest slot, however old: it says the slot is covered.
        await ledger.claim_slot(pool, "other", SLOT, "a")
        assert ledger.purge_slots(store, later + timedelta(days=400)) == 1
        assert ledger.latest_slots(store, 1) == {"wire": later, "other": SLOT}
        # The dispatcher's single read says the same, with each recorded source's health.
        store.save_source_state(SourceState("wire", consecutive_failures=2, status="failing"))
        for attempts in (1, 3):
            states, latest = await ledger.dispatch_view(pool, attempts)
            assert latest == ledger.latest_slots(store, attempts)
            assert states == {"wire": ("failing", 2)}
    finally:
        await pool.close()
        store.close()


async def test_claims_and_finishes_arriving_together_share_one_statement(db_url: str) -> None:
    store = open_store(db_url)  # creates the tables
    pool = AsyncConnectionPool(queue_conninfo(db_url), min_size=1, open=False)
    await pool.open()
    try:
        await ledger.claim_slot(pool, "done", SLOT, "a")
        await ledger.finish_slot(pool, "done", SLOT, ok=True)
        slots = SlotBatches(pool, "b")
        # The same instant at another offset is the same slot, and its caller gets its answer.
        paris = SLOT.astimezone(timezone(timedelta(hours=1)))
        answers = await asyncio.gather(
            slots.claim("done", SLOT), slots.claim("wire", paris), slots.claim("feed", SLOT)
        )
        assert list(answers) == [None, 1, 1]
        await asyncio.gather(
            slots.finish("wire", paris, ok=True), slots.finish("feed", SLOT, ok=False)
        )
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT source, status, node_id, started_at, finished_at FROM crawl_slots"
                " ORDER BY source"
            )
            rows = await cur.fetchall()
        assert [(r[0], r[1], r[2]) for r in rows] == [
            ("done", "done", "a"),
            ("feed", "failed", "b"),
            ("wire", "done", "b"),
        ]
        # now() is the statement's transaction time: equal times mean one statement each.
        assert rows[1][3] == rows[2][3] and rows[1][4] == rows[2][4]
        assert rows[0][3] != rows[1][3]
        # A claim of a slot already waiting in the batch goes in a statement of its own.
        later = SLOT + timedelta(minutes=1)
        twice = await asyncio.gather(slots.claim("x", later), slots.claim("x", later))
        assert sorted(a for a in twice if a is not None) == [1, 2]
    finally:
        await pool.close()
        store.close()


def test_status_change_is_made_once(db_url: str) -> None:
    store = open_store(db_url)
    try:
        store.save_source_state(SourceState("wire"))
        assert ledger.set_status(store, "wire", "failing") is True
        assert ledger.set_status(store, "wire", "failing") is False  # the second node stays quiet
        assert ledger.set_status(store, "wire", "ok") is True
    finally:
        store.close()


def nodes_of(db_url: str) -> list[Node]:
    """The nodes as ``status`` reads them: through the read-only path."""
    with open_readonly(db_url) as light:
        return list_nodes(light)


def test_status_lists_nodes_and_warns_on_differing_configs(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(db_url)
    try:
        ledger.heartbeat_node(store, node_row("n1", "a" * 64))
        ledger.heartbeat_node(store, node_row("n2", "a" * 64))
        assert nodes_warnings(nodes_of(db_url)) == []
        ledger.heartbeat_node(store, node_row("n2", "b" * 64))  # an upsert: still two rows
        ledger.heartbeat_node(store, node_row("n3", "a" * 64, age=120))
        nodes = nodes_of(db_url)
        assert [n.node_id for n in nodes] == ["n1", "n2", "n3"]
        warnings = nodes_warnings(nodes)
        assert any("different config files" in w and "n2" in w for w in warnings), warnings
        assert any("n3 has not sent a heartbeat" in w for w in warnings), warnings
        ledger.remove_node(store, "n3")
        assert [n.node_id for n in nodes_of(db_url)] == ["n1", "n2"]
    finally:
        store.close()
    config = tmp_path / "newswatch.toml"
    config.write_text(f'[service]\nhealth_listen = ""\ndatabase_url = "{db_url}"\ncluster = true\n')
    assert main(["--config", str(config), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["cluster"]
    assert [n["node_id"] for n in report["nodes"]] == ["n1", "n2"]
    assert any("different config files" in w for w in report["warnings"])
    assert main(["--config", str(config), "status"]) == 0
    out = capsys.readouterr().out
    assert "cluster: 2 node(s)" in out and "warning: nodes run different config files" in out


def test_queue_schema_is_applied_once(db_url: str) -> None:
    assert apply_queue_schema(db_url) is True
    assert apply_queue_schema(db_url) is False


def queued_jobs(store: Store) -> list[tuple[str, str, str]]:
    with store.engine.begin() as conn:
        rows = conn.execute(
            text("SELECT task_name, status, queueing_lock FROM procrastinate_jobs ORDER BY id")
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def save(store: Store, n: int, routes: dict[str, list[str]]) -> SaveResult:
    article = make_article(f"https://a.example/{n}", fingerprint=n * 0x1111_1111_1111)
    return store.save_article(article, [make_match("deals", 0.9)], routes)


def test_a_match_and_its_delivery_job_commit_together(db_url: str) -> None:
    apply_queue_schema(db_url)
    store = open_store(db_url)
    try:
        store.on_new_deliveries = DeliveryJobs(queue_conninfo(db_url)).defer_in_transaction
        routes = {"deals": ["alerts", "ops"]}
        saved = save(store, 1, routes)
        assert len(saved.delivery_ids) == 2
        jobs = queued_jobs(store)
        assert sorted(jobs) == [
            ("newswatch.deliver", "todo", "deliver:alerts"),
            ("newswatch.deliver", "todo", "deliver:ops"),
        ]
        # A second match while those jobs wait: they cover it (queueing lock), the save succeeds.
        again = save(store, 2, routes)
        assert len(again.delivery_ids) == 2 and len(queued_jobs(store)) == 2

        # A save that fails after the outbox rows leaves neither the match nor a job behind.
        def broken(conn: Connection, channels: Sequence[str]) -> None:
            DeliveryJobs(queue_conninfo(db_url)).defer_in_transaction(conn, ["new-channel"])
            raise RuntimeError("the transaction fails after the defer")

        store.on_new_deliveries = broken
        with pytest.raises(RuntimeError):
            save(store, 3, routes)
        assert len(queued_jobs(store)) == 2
        assert store.counts()["articles"] == 2
    finally:
        store.close()


def test_db_upgrade_sets_up_the_job_queue_once(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "newswatch.toml"
    config.write_text(f'[service]\nhealth_listen = ""\ndatabase_url = "{db_url}"\ncluster = true\n')
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "schema: created at revision" in out and "job queue: created" in out, out
    with psycopg.connect(queue_conninfo(db_url)) as conn:
        assert queue_schema_applied(conn)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert "job queue: present already, nothing to do" in capsys.readouterr().out
