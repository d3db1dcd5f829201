"""Cluster benchmark: throughput with 1 and 2 nodes, and the coordination cost of an idle poll.

Runs ``newswatch run`` as users do (child processes, ``[service] cluster = true``, one fresh
PostgreSQL schema per measurement) against ``bench/soak_site.py`` serving real news pages from
``../shared/data/article-extraction`` (read at run time), so the work is CPU-bound extraction and
matching:

1. **throughput**: ``--articles`` stories are published at once into ``--feeds`` feeds polled every
   second; articles stored per second, from the first article download to the last article stored,
   with 1 node and with 2 nodes (same site, same pages); ``ratio`` is 2 nodes over 1 (target >= 1.7
   on two otherwise idle cores: each run also reports the nodes' CPU and the load average, since
   other work on the machine takes the second core away);
2. **idle**: ``--idle-feeds`` empty feeds (every poll a 304) every ``--idle-every`` seconds, CPU
   of the node process per poll over ``--idle-seconds``, a single-node node (APScheduler, same
   PostgreSQL) and a cluster node side by side, each with its own site and schema, measured over
   the same seconds; ``ratio`` is cluster over single (target <= 1.5). The database server's own
   CPU is not counted (it is shared with whatever else the machine runs);
3. **floor** (with idle, over the same seconds): ``bench/cluster_floor.py`` runs the job queue
   alone, with a task that does nothing, at the same job rate (one job per poll); ``floor_ratio``
   is (single-node CPU per poll + the queue's CPU per job) over single-node CPU per poll, the
   lowest ``ratio`` that any node carrying each poll as one Procrastinate job can reach here.

Prints one JSON object. Usage::

    python bench/cluster.py [--articles 180] [--feeds 36] [--idle-feeds 40] [--idle-every 5]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import psycopg

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
PAGES = REPO.parent / "shared" / "data" / "article-extraction" / "html"
PG_URL = os.environ.get("NEWSWATCH_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")

sys.path.insert(0, str(REPO))


def site_stats(control: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{control}/_stats", timeout=10) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def polls(stats: dict[str, Any]) -> int:
    return int(stats.get("not_modified", 0)) + int(stats.get("feed_200", 0))


def wait_until(what: str, check: Callable[[], Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"cluster bench: timed out waiting for {what}")
        time.sleep(0.1)


@contextmanager
def soak_site(feeds: int, pages: int) -> Iterator[tuple[list[str], str]]:
    """A fresh soak site of ``feeds`` feeds on 4 hosts; yields (feed URLs, control URL)."""
    per_host = -(-feeds // 4)
    command = [sys.executable, str(BENCH / "soak_site.py"), "--hosts", "4"]
    proc = subprocess.Popen(
        [*command, "--feeds-per-host", str(per_host), "--pages", str(pages)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield info["feeds"][:feeds], info["control"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema; yields the newswatch database URL that uses it."""
    schema = f"nw_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            base = PG_URL.split("://", 1)[1]
            yield f"postgresql+psycopg://{base}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def write_config(tmp: Path, db_url: str, feeds: list[str], every: float, cluster: bool) -> Path:
    sources = "".join(
        f'\n[[source]]\nname = "feed-{i}"\nfeed = "{url}"\nevery = "{every:g}s"\n'
        for i, url in enumerate(feeds)
    )
    config = tmp / f"newswatch-{uuid.uuid4().hex[:6]}.toml"
    config.write_text(
        f"""\
[service]
database_url = "{db_url}"
cluster = {"true" if cluster else "false"}
health_listen = ""
jitter = 0

[crawl]
allow_private = true
# Politeness would bound the throughput, not the CPU: this site is ours.
download_delay = "1ms"
autothrottle = false
# The stories are real pages of past years: the bench wants them extracted, matched and stored.
default_max_age = "3650d"

[[channel]]
name = "console"
kind = "console"
path = "{(tmp / "alerts.jsonl").as_posix()}"
{sources}""",
        encoding="utf-8",
    )
    return config


def start_node(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "scheduler", "--config", str(config), "run"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=config.parent,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )


def stop(nodes: list[subprocess.Popen[bytes]]) -> None:
    for node in nodes:
        node.send_signal(signal.SIGTERM)
    for node in nodes:
        try:
            node.wait(timeout=60)
        except subprocess.TimeoutExpired:
            node.kill()


def stored_articles(db_url: str) -> int:
    from scheduler.store import open_store

    store = open_store(db_url)
    try:
        return int(store.counts()["articles"])
    finally:
        store.close()


def throughput(args: argparse.Namespace, tmp: Path, nodes_count: int) -> dict[str, Any]:
    """Articles stored per second by ``nodes_count`` nodes, from a backlog published at once."""
    with soak_site(args.feeds, args.articles + 1) as (feeds, control), pg_schema() as db_url:
        config = write_config(tmp, db_url, feeds, 1.0, cluster=True)
        nodes = [start_node(config, tmp / f"tp{nodes_count}-{i}.log") for i in range(nodes_count)]
        try:
            # Every feed answered once (empty) before the backlog appears: nodes are warm.
            wait_until("first polls", lambda: polls(site_stats(control)) >= 2 * len(feeds), 120)
            urllib.request.urlopen(f"{control}/_publish?count={args.articles}", timeout=10).close()
            wait_until("a first article", lambda: site_stats(control).get("articles", 0), 60)
            processes = [psutil.Process(node.pid) for node in nodes]
            cpu0 = sum(sum(p.cpu_times()[:2]) for p in processes)
            started = time.monotonic()
            stored, last_change = settle(control, db_url, args.articles, started)
            seconds = last_change - started
            cpu = sum(sum(p.cpu_times()[:2]) for p in processes) - cpu0
        finally:
            stop(nodes)
    return {
        "nodes": nodes_count,
        "published": args.articles,
        "stored": stored,
        "seconds": round(seconds, 2),
        "articles_per_second": round(stored / seconds, 2),
        # The nodes' CPU until the last store (and a few idle seconds after): articles per
        # CPU-second is the efficiency, whatever else the machine runs meanwhile.
        "node_cpu_seconds": round(cpu, 2),
        "articles_per_node_cpu_second": round(stored / cpu, 2) if cpu else None,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def settle(control: str, db_url: str, published: int, started: float) -> tuple[int, float]:
    """Wait until every story was downloaded and the stored count stopped moving (a page that
    extracts to nothing is not stored); return the count and when it last grew."""
    stored, last_change = 0, started
    deadline = started + published * 2 + 60
    while time.monotonic() < deadline:
        now_stored = stored_articles(db_url)
        if now_stored != stored:
            stored, last_change = now_stored, time.monotonic()
        downloaded = site_stats(control).get("articles", 0) >= published
        if downloaded and time.monotonic() - last_change > 3:
            return stored, last_change
        time.sleep(0.2)
    raise SystemExit("cluster bench: the articles did not settle")


@contextmanager
def idle_node(args: argparse.Namespace, tmp: Path, cluster: bool) -> Iterator[Callable[[], Any]]:
    """One node polling ``--idle-feeds`` empty feeds (its own site and schema), warmed up;
    yields a probe returning (polls so far, the node's CPU seconds so far)."""
    with soak_site(args.idle_feeds, 1) as (feeds, control), pg_schema() as db_url:
        config = write_config(tmp, db_url, feeds, args.idle_every, cluster=cluster)
        name = "cluster" if cluster else "single"
        node = start_node(config, tmp / f"idle-{name}.log")
        try:
            process = psutil.Process(node.pid)
            wait_until(
                f"every feed polled twice ({name})",
                lambda: site_stats(control).get("not_modified", 0) >= len(feeds),
                args.idle_every * 4 + 120,
            )
            yield lambda: (polls(site_stats(control)), sum(process.cpu_times()[:2]))
        finally:
            stop([node])


def idle(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """CPU per idle (304) poll of a single-node node and of a cluster node, and the job queue's
    own CPU per job, all three measured over the same seconds: the machine's speed drifts (it is
    shared), and a ratio of figures taken minutes apart carries that drift."""
    with (
        idle_node(args, tmp, cluster=False) as single,
        idle_node(args, tmp, cluster=True) as node,
        pg_schema() as floor_url,
    ):
        command = [sys.executable, str(BENCH / "cluster_floor.py"), "--db-url", floor_url]
        command += ["--jobs", str(args.idle_feeds), "--every", str(args.idle_every)]
        floor = subprocess.Popen(
            [*command, "--seconds", str(args.idle_seconds)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        time.sleep(2)  # the floor's own warm-up (cluster_floor.py waits as long)
        before = {"single": single(), "cluster": node()}
        time.sleep(args.idle_seconds)
        after = {"single": single(), "cluster": node()}
        queue_alone = json.loads(floor.communicate(timeout=120)[0])
    result: dict[str, Any] = {}
    for mode in ("single", "cluster"):
        n = after[mode][0] - before[mode][0]
        cpu = after[mode][1] - before[mode][1]
        result[f"{mode}_node"] = {
            "polls": n,
            "cpu_seconds": round(cpu, 3),
            "cpu_ms_per_poll": round(cpu / n * 1000, 3) if n else None,
        }
    result["queue_alone"] = queue_alone
    per_poll = result["single_node"]["cpu_ms_per_poll"]
    clustered = result["cluster_node"]["cpu_ms_per_poll"]
    if per_poll and clustered:
        result["ratio"] = round(clustered / per_poll, 2)
        result["floor_ratio"] = round((per_poll + queue_alone["cpu_ms_per_job"]) / per_poll, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=180)
    parser.add_argument("--feeds", type=int, default=36)
    parser.add_argument("--idle-feeds", type=int, default=40)
    parser.add_argument("--idle-every", type=float, default=5.0)
    parser.add_argument("--idle-seconds", type=float, default=40.0)
    parser.add_argument("--only", choices=("throughput", "idle"), help="measure one part only")
    args = parser.parse_args()
    if not PAGES.is_dir():
        raise SystemExit(f"cluster bench: the real pages are missing ({PAGES})")
    with tempfile.TemporaryDirectory(prefix="nw-cluster-bench-") as tmp_name:
        tmp = Path(tmp_name)
        result: dict[str, Any] = {}
        if args.only in (None, "throughput"):
            one = throughput(args, tmp, 1)
            two = throughput(args, tmp, 2)
            result["throughput"] = {
                "one_node": one,
                "two_nodes": two,
                "ratio": round(two["articles_per_second"] / one["articles_per_second"], 2),
                "cpus": os.cpu_count(),
            }
        if args.only in (None, "idle"):
            result["idle"] = idle(args, tmp)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
