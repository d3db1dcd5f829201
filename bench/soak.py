"""Soak benchmark: the daemon in-process against a local site, for hundreds of crawl cycles.

Prints one JSON object:

- ``idle_cycle``: CPU seconds this process spends on one cycle over ``--feeds`` feed sources that
  all answer 304 (target: <= 2 CPU-s for 200 feeds);
- ``rss``: resident memory after 10 and after ``--cycles`` cycles of ``--soak-feeds`` sources, and
  the growth between them (target: <= 10%).

A cycle crawls every source once through the service's own crawl job (the path the scheduler
takes: concurrency cap, crawl, store bookkeeping, metrics, health evaluation). The local site runs
in a child process so its CPU is not counted. Usage::

    python bench/soak.py [--feeds 200] [--cycles 500] [--soak-feeds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def start_site() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.site"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "fixture site at http://127.0.0.1:PORT and ..."
    return proc, line.split(" at ", 1)[1].split()[0]


def config_text(base: str, data: Path, feeds: int) -> str:
    sources = "\n".join(
        f'[[source]]\nname = "feed-{i}"\nfeed = "{base}/feeds/latest.rss.xml?copy={i}"\n'
        f'every = "1h"\n'
        for i in range(feeds)
    )
    return f"""\
[service]
data_dir = "{data.as_posix()}"
health_listen = ""
max_concurrent_crawls = 8

[crawl]
allow_private = true
download_delay = "1ms"
autothrottle = false
default_max_age = "30d"

[[channel]]
name = "console"
kind = "console"
path = "{(data / "alerts.jsonl").as_posix()}"

{sources}
"""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def bench(args: argparse.Namespace, base: str, tmp: Path) -> dict[str, Any]:
    from scheduler.config import load_config
    from scheduler.daemon import Service

    results: dict[str, Any] = {}

    async def start_service(path: Path, base: str, feeds: int) -> tuple[Service, Any]:
        path.write_text(config_text(base, path.parent / "data", feeds))
        service = Service(load_config(path), use_pool=False)
        task = asyncio.ensure_future(service.run())
        while service.scheduler is None or not service.scheduler.running:
            await asyncio.sleep(0.05)
        service.scheduler.pause()  # the bench drives the cycles itself
        return service, task

    async def cycle(service: Service, names: list[str]) -> None:
        await asyncio.gather(*(service.crawl_job(n) for n in names))

    # Idle cycle: every feed answers 304.
    path = tmp / "idle" / "newswatch.toml"
    path.parent.mkdir(parents=True)
    service, task = await start_service(path, base, args.feeds)
    names = [s.name for s in service.config.sources]
    await cycle(service, names)  # first pass: downloads, stores, learns ETags
    await cycle(service, names)  # warm
    before = cpu_seconds()
    started = time.perf_counter()
    await cycle(service, names)
    results["idle_cycle"] = {
        "feeds": args.feeds,
        "cpu_seconds": round(cpu_seconds() - before, 3),
        "wall_seconds": round(time.perf_counter() - started, 3),
        "target_cpu_seconds": 2.0,
    }
    service.stop()
    await task

    # Soak: many cycles over a few sources, RSS after 10 and after the last.
    path = tmp / "soak" / "newswatch.toml"
    path.parent.mkdir(parents=True)
    service, task = await start_service(path, base, args.soak_feeds)
    names = [s.name for s in service.config.sources]
    rss_10 = 0.0
    started = time.perf_counter()
    for i in range(1, args.cycles + 1):
        await cycle(service, names)
        if i == 10:
            rss_10 = rss_mb()
    rss_end = rss_mb()
    results["rss"] = {
        "cycles": args.cycles,
        "sources_per_cycle": args.soak_feeds,
        "after_10_mb": round(rss_10, 1),
        f"after_{args.cycles}_mb": round(rss_end, 1),
        "growth_percent": round((rss_end - rss_10) / rss_10 * 100, 2),
        "target_growth_percent": 10.0,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    service.stop()
    await task
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--soak-feeds", type=int, default=4)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    from crawler import reactor

    site, base = start_site()
    try:
        with tempfile.TemporaryDirectory(prefix="newswatch-soak-") as tmp:
            results = reactor.run(lambda: bench(args, base, Path(tmp)))
    finally:
        site.terminate()
        site.wait()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
