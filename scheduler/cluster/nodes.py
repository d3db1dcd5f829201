"""The cluster's nodes as ``newswatch status`` shows them: one read of ``cluster_nodes``.

:func:`list_nodes` returns each node's row with the age of its last heartbeat;
:func:`nodes_warnings` says what an operator should look at -- nodes running different config
files (their hashes differ) or different versions, and nodes whose heartbeat stopped (killed, or
cut off from the database). It reads through the read-only path of ``status``
(:mod:`scheduler.store.readonly`) and imports neither SQLAlchemy nor job-queue code, so the
command stays cheap.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scheduler.store.readonly import ClusterNode as Node
from scheduler.store.readonly import ReadOnlyStore

# A node heartbeats every 5 s (scheduler.daemon.HEARTBEAT_SECONDS): three missed beats is silence.
SILENT_AFTER = 15.0


def list_nodes(store: ReadOnlyStore) -> list[Node]:
    """Every node that registered and has not stopped gracefully, by node id."""
    return store.list_cluster_nodes(datetime.now(UTC))


def nodes_warnings(nodes: list[Node]) -> list[str]:
    """Differing configs or versions among live nodes, and silent nodes."""
    live = [n for n in nodes if n.heartbeat_age <= SILENT_AFTER]
    out = []
    hashes = {n.config_hash for n in live}
    if len(hashes) > 1:
        groups = ", ".join(
            f"{h[:12]} on {', '.join(n.node_id for n in live if n.config_hash == h)}"
            for h in sorted(hashes)
        )
        out.append(f"nodes run different config files: {groups}")
    versions = {n.version for n in live}
    if len(versions) > 1:
        out.append(f"nodes run different newswatch versions: {', '.join(sorted(versions))}")
    for n in nodes:
        if n.heartbeat_age > SILENT_AFTER:
            out.append(f"node {n.node_id} has not sent a heartbeat for {n.heartbeat_age:.0f}s")
    return out


def cluster_report(store: ReadOnlyStore) -> dict[str, Any]:
    """The nodes and the warnings about them, as ``newswatch status --json`` prints them."""
    nodes = list_nodes(store)
    return {"nodes": [n.as_json() for n in nodes], "warnings": nodes_warnings(nodes)}


def format_cluster(report: dict[str, Any]) -> str:
    """The report as the lines ``newswatch status`` prints."""
    lines = [f"cluster: {len(report['nodes'])} node(s)"]
    for n in report["nodes"]:
        lines.append(
            f"  {n['node_id']:<40} heartbeat {n['heartbeat_age_seconds']:>6.1f}s ago  "
            f"v{n['version']}  config {n['config_hash'][:12]}"
        )
    lines.extend(f"  warning: {w}" for w in report["warnings"])
    return "\n".join(lines)
