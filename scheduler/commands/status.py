"""``newswatch status [--json]``: per-source health, outbox counts, readers' mutes and snoozes
in force, and the config in force."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scheduler.commands._common import view_and_readonly_store
    from scheduler.commands.check_config import describe

    with view_and_readonly_store(args) as (config, store):
        states = {s.name: s for s in store.list_source_states()}
        outbox = store.outbox_counts()
        failed = store.list_failed(limit=20)
        sources: list[dict[str, Any]] = []
        for source in config.sources:
            state = states.get(source.name)
            runs = store.recent_runs(source.name, limit=5)
            next_run = None
            if source.enabled and state is not None and state.last_run is not None:
                next_run = state.last_run + source.every
            sources.append(
                {
                    "name": source.name,
                    "kind": source.kind,
                    "enabled": source.enabled,
                    "status": state.status if state else "never crawled",
                    "last_run": _iso(state.last_run if state else None),
                    "last_success": _iso(state.last_success if state else None),
                    "consecutive_failures": state.consecutive_failures if state else 0,
                    "last_error": state.last_error if state else None,
                    "new_in_last_runs": [r.new_articles for r in runs],
                    "next_run": _iso(next_run),
                }
            )
        from scheduler.commands.mutes import format_holds, holds_report

        now = datetime.now(UTC)
        holds = holds_report(store, now)
        cluster = None
        if config.cluster:  # the nodes sharing the work (see scheduler.cluster.nodes)
            from scheduler.cluster.nodes import cluster_report, format_cluster

            cluster = cluster_report(store)
    service = service_state(config.health_listen)
    if args.json:
        print(
            json.dumps(
                {
                    "config": str(config.path) if not config.bundled else "bundled example",
                    "service": service,
                    "sources": sources,
                    "outbox": outbox,
                    "holds": holds,
                    **({"cluster": cluster} if cluster is not None else {}),
                    "failed_deliveries": [
                        {
                            "id": d.id,
                            "channel": d.channel,
                            "error": d.last_error,
                            "title": d.title,
                        }
                        for d in failed
                    ],
                },
                indent=2,
            )
        )
        return 0
    print(describe(config, checked=False))
    print()
    print(f"service: {service['state']} ({service['detail']})")
    if cluster is not None:
        print()
        print(format_cluster(cluster))
    print()
    head = f"{'source':<24} {'status':<14} {'last success':<14} {'next run':<14} {'fails':>5}"
    print(f"{head}  new (last runs)")
    for s in sources:
        print(
            f"{s['name']:<24} {s['status']:<14} {_ago(s['last_success']):<14} "
            f"{_until(s['next_run'], s['enabled']):<14} {s['consecutive_failures']:>5}  "
            f"{s['new_in_last_runs']}"
        )
        if s["last_error"]:
            print(f"    last error: {s['last_error']}")
    print()
    print("outbox: " + ", ".join(f"{k} {v}" for k, v in sorted(outbox.items())))
    for d in failed:
        print(f"  failed #{d.id} -> {d.channel}: {d.last_error} ({d.title[:60]})")
    print()
    print("\n".join(format_holds(holds, now)))
    return 0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _ago(iso: str | None) -> str:
    if not iso:
        return "never"
    delta = datetime.now(UTC) - datetime.fromisoformat(iso)
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{int(delta.total_seconds() // 60)}m ago"
    if delta < timedelta(days=1):
        return f"{int(delta.total_seconds() // 3600)}h ago"
    return f"{delta.days}d ago"


def _until(iso: str | None, enabled: bool) -> str:
    if not enabled:
        return "disabled"
    if not iso:
        return "at start"  # never crawled: the service crawls it as soon as it runs
    delta = datetime.fromisoformat(iso) - datetime.now(UTC)
    if delta <= timedelta(0):
        return "due now"
    if delta < timedelta(hours=1):
        return f"in {max(int(delta.total_seconds() // 60), 1)}m"
    return f"in {int(delta.total_seconds() // 3600)}h"


def service_state(listen: str | None) -> dict[str, str]:
    """Whether a service answers on this config's health endpoint (the only way to ask it)."""
    if not listen:
        return {"state": "unknown", "detail": "health_listen is off"}
    # The stdlib client, not httpx: one GET to our own loopback endpoint needs no proxy support
    # (none may stand in between) and httpx costs more to import than the rest of this command.
    import http.client

    from scheduler.config_view import parse_listen

    host, port = parse_listen(listen)
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/healthz"
    connection = http.client.HTTPConnection(host, port, timeout=2.0)
    try:
        connection.request("GET", "/healthz")
        code = connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return {"state": "not running", "detail": f"nothing answers on {listen}"}
    finally:
        connection.close()
    if code == 200:
        return {"state": "running", "detail": f"{url} answered 200"}
    return {"state": "unhealthy", "detail": f"{url} answered {code}"}
