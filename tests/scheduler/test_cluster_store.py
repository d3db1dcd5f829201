"""The cluster's shared tables on PostgreSQL: the slot ledger, status compare-and-set, the nodes.

A slot is claimed again only while it is not done (a retried job never crawls a done slot twice);
of two nodes setting the same status, one changes it (and tells ops); ``newswatch status`` lists the
nodes and warns when their config hashes differ or a heartbeat stopped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.cluster import ledger
from scheduler.cluster.nodes import list_nodes, nodes_warnings
from scheduler.cluster.queue_schema import apply_queue_schema
from scheduler.store import SourceState, open_store

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


def test_a_done_slot_is_never_claimed_again(db_url: str) -> None:
    store = open_store(db_url)
    try:
        assert ledger.claim_slot(store, "wire", SLOT, "a") == 1
        # The node died mid-crawl: the retried job claims the slot again (second attempt).
        assert ledger.claim_slot(store, "wire", SLOT, "b") == 2
        ledger.finish_slot(store, "wire", SLOT, ok=True)
        assert ledger.claim_slot(store, "wire", SLOT, "c") is None
        assert ledger.latest_slots(store, 3) == {"wire": SLOT}
        # A failed slot does not cover the source until it failed max_attempts times.
        later = SLOT + timedelta(minutes=1)
        ledger.claim_slot(store, "wire", later, "a")
        ledger.finish_slot(store, "wire", later, ok=False)
        assert ledger.latest_slots(store, 3) == {"wire": SLOT}
        assert ledger.latest_slots(store, 1) == {"wire": later}
    finally:
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


def test_status_lists_nodes_and_warns_on_differing_configs(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(db_url)
    try:
        ledger.heartbeat_node(store, node_row("n1", "a" * 64))
        ledger.heartbeat_node(store, node_row("n2", "a" * 64))
        assert nodes_warnings(list_nodes(store)) == []
        ledger.heartbeat_node(store, node_row("n2", "b" * 64))  # an upsert: still two rows
        ledger.heartbeat_node(store, node_row("n3", "a" * 64, age=120))
        nodes = list_nodes(store)
        assert [n.node_id for n in nodes] == ["n1", "n2", "n3"]
        warnings = nodes_warnings(nodes)
        assert any("different config files" in w and "n2" in w for w in warnings), warnings
        assert any("n3 has not sent a heartbeat" in w for w in warnings), warnings
        ledger.remove_node(store, "n3")
        assert [n.node_id for n in list_nodes(store)] == ["n1", "n2"]
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
