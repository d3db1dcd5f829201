"""Benchmark of the outbox dispatcher: alerts delivered per second to the fake Slack Web API with
the rate limit off, and the dispatcher process's CPU time per alert (rendering, HTTP client and
SQLite store calls included). The fake Slack runs in another process so its CPU is not counted.

    .venv/bin/python bench/dispatch.py [--alerts 1000] [--batch 50]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _serve(port_q: Any, stop: Any, count_q: Any) -> None:
    from tests.servers.fake_slack import FakeSlack

    with FakeSlack() as fake:
        port_q.put(fake.port)
        stop.wait()
        count_q.put(len(fake.posted()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()

    from alerts.channels import parse_channel
    from alerts.dispatch_loop import dispatch_loop
    from alerts.dispatcher import Dispatcher
    from alerts.render_slack import SlackRender
    from alerts.slack import SlackNotifier

    render = SlackRender(SlackNotifier)
    from scheduler.store import open_store
    from tests.alerts.conftest import make_alert
    from tests.alerts.helpers import fill

    ctx = mp.get_context("spawn")
    port_q, count_q, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(port_q, stop, count_q), daemon=True)
    server.start()
    port = port_q.get(timeout=30)

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        fill(store, args.alerts, ["slack"])
        cfg = parse_channel(
            {
                "name": "slack",
                "kind": "slack",
                "token": "xoxb-bench",
                "channel": "#bench",
                "api_url": f"http://127.0.0.1:{port}/api/",
                "rate_limit": 0,
                "storm_max": 0,
            }
        )

        async def run() -> tuple[int, float, float]:
            async with Dispatcher(store, [cfg], batch_size=args.batch) as d:
                wall0, cpu0 = time.perf_counter(), time.process_time()
                stats = await dispatch_loop(d, interval=0.05)
                return stats.sent, time.perf_counter() - wall0, time.process_time() - cpu0

        sent, wall, cpu = asyncio.run(run())
        counts = store.outbox_counts()
        store.close()

    stop.set()
    posted = count_q.get(timeout=30)
    server.join(timeout=10)

    alert = make_alert()
    reps = 2000
    t0 = time.process_time()
    for _ in range(reps):
        render.blocks(alert)
        render.fallback(alert)
    render_ms = (time.process_time() - t0) * 1000 / reps

    print(
        json.dumps(
            {
                "alerts": args.alerts,
                "sent": sent,
                "posted_to_fake_slack": posted,
                "outbox_after": counts,
                "wall_s": round(wall, 3),
                "alerts_per_s": round(sent / wall, 1) if wall else None,
                "dispatcher_cpu_ms_per_alert": round(cpu * 1000 / max(sent, 1), 3),
                "render_cpu_ms_per_alert": round(render_ms, 4),
                "batch_size": args.batch,
                "store": "sqlite (WAL, file)",
                "rate_limit": "off",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
