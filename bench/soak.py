"""Soak benchmark: the real ``newswatch run`` polling many feeds, and raw Scrapy in the same run.

Runs the service as users do, ``newswatch run`` as a child process (its APScheduler jobs, jitter,
batching, extraction pool, store and logging all real), against ``bench/soak_site.py``: ``--hosts``
loopback hosts of feeds that answer 304 until a story is published into them. Measured from the
outside, by sampling the service's whole process tree with psutil (the service, the fork server
and the extraction workers; CPU of exited children included):

1. **idle**: after every feed was polled twice, ``--idle-seconds`` of polling in which every feed
   answers 304: whole-tree CPU per poll, polls, robots.txt fetches per host;
2. **articles**: ``--soak-seconds`` in which a story is published every ``--publish-every``
   seconds (each fetched, extracted, matched and stored), then a settle time;
3. **idle after articles**: another idle window with the extraction pool started: CPU per poll
   and whole-tree RSS (sum of RSS, and of PSS, which counts shared pages once);
4. **anchor**: ``bench/soak_raw.py``, one raw Scrapy process (stock settings + feedparser)
   making the same number of conditional polls of the same feeds over the same time.

Prints one JSON object; ``idle.ratio_to_raw_scrapy`` is the service's CPU per poll over the
anchor's (target <= 1.3) and ``memory`` the idle whole-tree RSS (target <= 180 MB). Usage::

    python bench/soak.py [--hosts 20] [--feeds-per-host 10] [--every 30] [--idle-seconds 90]
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"


class TreeSampler:
    """Samples CPU and memory of a process and all its descendants in a background thread."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        self.root = psutil.Process(pid)
        self.every = every
        self.cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> CPU seconds
        self.rss: list[tuple[float, float, float, int]] = []  # (time, rss MB, pss MB, procs)
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        rss = pss = 0.0
        alive = 0
        cpu: dict[tuple[int, float], float] = {}
        for proc in procs:
            try:
                with proc.oneshot():
                    t = proc.cpu_times()
                    key = (proc.pid, proc.create_time())
                    # Children that exited and were waited for count in their parent.
                    cpu[key] = t.user + t.system + t.children_user + t.children_system
                    mem = proc.memory_full_info()
                rss += mem.rss / 2**20
                pss += getattr(mem, "pss", mem.rss) / 2**20
                alive += 1
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        with self.lock:
            self.cpu.update(cpu)
            self.rss.append((time.monotonic(), rss, pss, alive))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def cpu_snapshot(self) -> dict[tuple[int, float], float]:
        self.sample()
        with self.lock:
            return dict(self.cpu)

    def memory_between(self, start: float, end: float) -> dict[str, Any]:
        with self.lock:
            rows = [r for r in self.rss if start <= r[0] <= end]
        if not rows:
            return {}
        return {
            "rss_mb_mean": round(sum(r[1] for r in rows) / len(rows), 1),
            "rss_mb_max": round(max(r[1] for r in rows), 1),
            "pss_mb_mean": round(sum(r[2] for r in rows) / len(rows), 1),
            "processes": max(r[3] for r in rows),
        }


def cpu_between(before: dict[Any, float], after: dict[Any, float]) -> float:
    return sum(value - before.get(key, 0.0) for key, value in after.items())


def site_stats(control: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{control}/_stats", timeout=10) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def publish(control: str, every: float) -> None:
    with urllib.request.urlopen(f"{control}/_publish?every={every}", timeout=10):
        pass


def polls(stats: dict[str, Any]) -> int:
    return int(stats.get("not_modified", 0)) + int(stats.get("feed_200", 0))


def config_text(data: Path, feeds: list[str], every: float) -> str:
    sources = "".join(
        f'\n[[source]]\nname = "feed-{i}"\nfeed = "{url}"\nevery = "{every:g}s"\n'
        for i, url in enumerate(feeds)
    )
    return f"""\
[service]
data_dir = "{data.as_posix()}"
health_listen = ""

[crawl]
allow_private = true
# The stories are real pages of past years: judged by the page's own date they would be dropped
# as too old before extraction; the bench wants them extracted, matched and stored.
default_max_age = "3650d"

[[channel]]
name = "console"
kind = "console"
path = "{(data / "alerts.jsonl").as_posix()}"
{sources}"""


def wait_until(what: str, check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"soak: timed out waiting for {what}")
        time.sleep(0.5)


def window(
    sampler: TreeSampler, control: str, seconds: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Measure ``seconds`` of the service: CPU, polls, robots.txt fetches, memory."""
    stats0, cpu0, t0 = site_stats(control), sampler.cpu_snapshot(), time.monotonic()
    time.sleep(seconds)
    stats1, cpu1, t1 = site_stats(control), sampler.cpu_snapshot(), time.monotonic()
    cpu = cpu_between(cpu0, cpu1)
    n = polls(stats1) - polls(stats0)
    result = {
        "seconds": round(t1 - t0, 1),
        "polls": n,
        "not_modified": stats1.get("not_modified", 0) - stats0.get("not_modified", 0),
        "robots_fetches": stats1.get("robots", 0) - stats0.get("robots", 0),
        "cpu_seconds": round(cpu, 3),
        "cpu_ms_per_poll": round(cpu / n * 1000, 3) if n else None,
    }
    return result, sampler.memory_between(t0, t1)


def run_raw(feeds: list[str], polls_: int, seconds: float, tmp: Path) -> dict[str, Any]:
    spec = tmp / "raw.json"
    spec.write_text(json.dumps({"feeds": feeds, "polls": polls_, "seconds": seconds}))
    proc = subprocess.run(
        [sys.executable, str(BENCH / "soak_raw.py"), str(spec)],
        capture_output=True,
        text=True,
        timeout=seconds + 300,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["cpu_ms_per_poll"] = round(result["cpu_seconds"] / polls_ * 1000, 3)
    return result


def bench(args: argparse.Namespace, tmp: Path, feeds: list[str], control: str) -> dict[str, Any]:
    data = tmp / "data"
    config = tmp / "newswatch.toml"
    config.write_text(config_text(data, feeds, args.every))
    log = (tmp / "service.log").open("w")
    profile = ["-m", "cProfile", "-o", str(Path(args.profile).resolve())] if args.profile else []
    service = subprocess.Popen(
        [sys.executable, *profile, "-m", "scheduler", "--config", str(config), "run"],
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sampler = TreeSampler(service.pid).start()
    results: dict[str, Any] = {
        "feeds": len(feeds),
        "hosts": args.hosts,
        "every_seconds": args.every,
    }
    try:
        started = time.monotonic()
        # Warm: every feed polled once in full (validators stored), then answering 304.
        wait_until(
            "every feed to be polled twice",
            lambda: site_stats(control).get("not_modified", 0) >= len(feeds),
            timeout=args.every * 3 + 120,
        )
        results["warm_seconds"] = round(time.monotonic() - started, 1)
        idle, idle_memory = window(sampler, control, args.idle_seconds)
        publish(control, args.publish_every)
        time.sleep(args.soak_seconds)
        publish(control, 0)
        time.sleep(args.every * 1.5 + 10)  # the last stories polled, fetched and stored
        after, after_memory = window(sampler, control, args.idle_seconds / 2)
        stats = site_stats(control)
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=60)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
        sampler.stop()
        log.close()
    with sqlite3.connect(data / "newswatch.db") as db:
        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        outcomes = dict(db.execute("SELECT status, count(*) FROM seen_urls GROUP BY status"))
        runs, failed = db.execute("SELECT count(*), count(error) FROM crawl_runs").fetchone()
    raw = run_raw(feeds, idle["polls"], idle["seconds"], tmp)
    per_host = stats.get("robots_by_host", {})
    results["idle"] = {
        **idle,
        "raw_scrapy": raw,
        "ratio_to_raw_scrapy": (
            round(idle["cpu_ms_per_poll"] / raw["cpu_ms_per_poll"], 2)
            if idle["cpu_ms_per_poll"] and raw["cpu_ms_per_poll"]
            else None
        ),
        "target_ratio": 1.3,
    }
    results["articles"] = {
        "published": stats.get("published", 0),
        "fetched": stats.get("articles", 0),
        "stored": stored,
        "outcomes": outcomes,  # stored | duplicate | dropped:<reason>, per story URL
        "soak_seconds": args.soak_seconds,
    }
    results["idle_after_articles"] = {
        **after,
        "ratio_to_raw_scrapy": (
            round(after["cpu_ms_per_poll"] / raw["cpu_ms_per_poll"], 2)
            if after["cpu_ms_per_poll"] and raw["cpu_ms_per_poll"]
            else None
        ),
    }
    results["robots_txt"] = {
        "fetches": stats.get("robots", 0),
        "hosts": len(per_host),
        "max_per_host": max(per_host.values(), default=0),
        "feed_polls": polls(stats),
    }
    results["crawl_runs"] = {"recorded": runs, "failed": failed}
    results["memory"] = {
        "idle_before_articles": idle_memory,
        "idle_after_articles": after_memory,
        "target_rss_mb": 180,
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--feeds-per-host", type=int, default=10)
    parser.add_argument("--every", type=float, default=30.0, help="each feed's cadence, seconds")
    parser.add_argument("--idle-seconds", type=float, default=90.0)
    parser.add_argument("--soak-seconds", type=float, default=60.0)
    parser.add_argument("--publish-every", type=float, default=3.0)
    parser.add_argument("--profile", help="write a cProfile of the service's main process here")
    parser.add_argument("--keep", help="work in this directory (config, database, service.log)")
    args = parser.parse_args()
    site = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "soak_site.py"),
            "--hosts",
            str(args.hosts),
            "--feeds-per-host",
            str(args.feeds_per_host),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert site.stdout is not None
        info = json.loads(site.stdout.readline())
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            results = bench(args, Path(args.keep), info["feeds"], info["control"])
        else:
            with tempfile.TemporaryDirectory(prefix="newswatch-soak-") as tmp:
                results = bench(args, Path(tmp), info["feeds"], info["control"])
    finally:
        site.terminate()
        site.wait()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
