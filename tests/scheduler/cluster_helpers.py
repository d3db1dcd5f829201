"""Helpers of the cluster tests: a cluster config, a set of ``newswatch run`` nodes, what they did.

The nodes are real ``newswatch run`` child processes (see ``tests/scheduler/test_daemon.py``'s
:class:`Service`) on one PostgreSQL schema, against the fixture site and the fake Slack.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import psutil
from sqlalchemy import select

from scheduler.store import open_store
from scheduler.store.schema import crawl_slots
from tests.scheduler.test_daemon import Service, service_env
from tests.servers.fake_slack import FakeSlack
from tests.servers.site import FixtureSite

ARTICLE_LINK = re.compile(r"/(?:news|syndicated)/[\w-]+\.html")

# Four feeds whose recent stories differ (no article is listed by two of them).
FEEDS = {
    "latest": "feeds/latest.rss.xml",
    "tech": "feeds/tech.atom.xml",
    "ai": "feeds/ai.json",
    "rdf": "feeds/rdf.xml",
}


def cluster_config(
    root: Path,
    site: FixtureSite,
    slack: FakeSlack,
    db_url: str,
    *,
    every: str = "2s",
    extra: dict[str, str] | None = None,
) -> Path:
    """A cluster config: the four feeds (and ``extra`` ones: name -> path) every ``every``, alerts
    to the fake Slack's #alerts, source notices to #ops."""
    feeds = {**FEEDS, **(extra or {})}
    sources = "\n".join(
        f'[[source]]\nname = "{name}"\nfeed = "{site.url(path)}"\nevery = "{every}"\n'
        for name, path in feeds.items()
    )
    config = root / "newswatch.toml"
    config.write_text(
        f"""\
[service]
database_url = "{db_url}"
cluster = true
health_listen = ""
ops_channel = "ops"
dispatch_every = "1s"
shutdown_grace = "5s"
jitter = 0
failing_after = 2
max_backoff = "4s"

[crawl]
allow_private = true
download_delay = "1ms"
autothrottle = false
timeout = "5s"
retries = 0
default_max_age = "7d"

[[channel]]
name = "alerts"
kind = "slack"
token = "env:TEST_SLACK_TOKEN"
channel = "#alerts"
api_url = "{slack.api_url}"
rate_limit = 0
storm_max = 100

[[channel]]
name = "ops"
kind = "slack"
token = "env:TEST_SLACK_TOKEN"
channel = "#ops"
api_url = "{slack.api_url}"
rate_limit = 0

{sources}
""",
        encoding="utf-8",
    )
    return config


def start_nodes(config: Path, count: int) -> list[Service]:
    """``count`` nodes of one cluster, each logging to ``node<i>.log`` beside the config."""
    return [Service(config, config.parent / f"node{i}.log", service_env()) for i in range(count)]


def feed_polls(site: FixtureSite) -> Counter[str]:
    """Requests per feed source, by source name."""
    by_route = {"/" + path: name for name, path in FEEDS.items()}
    return Counter(by_route[r.route] for r in site.requests if r.route in by_route)


def article_downloads(site: FixtureSite) -> Counter[str]:
    """Downloads per article path."""
    return Counter(r.route for r in site.requests if r.route.startswith(("/news/", "/syndicated/")))


def alerted_articles(slack: FakeSlack) -> Counter[str]:
    """Alert posts (top level and story replies, not ops notices) per article path they link."""
    out: Counter[str] = Counter()
    for call in slack.posted():
        text = str(call.body.get("text", ""))
        if text.startswith("newswatch:"):
            continue  # an ops notice
        links = set(ARTICLE_LINK.findall(text))
        out.update(links or {"(no link)"})
    return out


def slots_between(start: float, end: float, every: float) -> int:
    """How many cadence slots (aligned to the epoch) the interval [start, end] touches."""
    return math.floor(end / every) - math.floor(start / every) + 1


def slot_rows(db_url: str, source: str) -> list[dict[str, object]]:
    """The ledger's rows of ``source``, oldest slot first."""
    store = open_store(db_url)
    try:
        with store.engine.begin() as conn:
            query = select(crawl_slots).where(crawl_slots.c.source == source)
            rows = conn.execute(query.order_by(crawl_slots.c.slot)).all()
    finally:
        store.close()
    return [dict(row._mapping) for row in rows]


def node_of(nodes: list[Service], node_id: str) -> Service:
    """The node whose process id is in ``node_id`` (``host-pid-random``)."""
    pid = int(node_id.rsplit("-", 2)[1])
    return next(n for n in nodes if n.proc.pid == pid)


def talking_to(nodes: list[Service], port: int) -> list[Service]:
    """The live nodes with an open TCP connection to ``port`` on loopback."""
    out = []
    for node in nodes:
        if node.proc.poll() is not None:
            continue
        try:
            conns = psutil.Process(node.proc.pid).net_connections(kind="tcp")
        except psutil.Error:
            continue
        if any(c.raddr and c.raddr.port == port and c.status == "ESTABLISHED" for c in conns):
            out.append(node)
    return out


def ledger_nodes(db_url: str) -> Counter[str]:
    """Crawls per node according to the ledger's done slots."""
    store = open_store(db_url)
    try:
        with store.engine.begin() as conn:
            rows = conn.execute(
                select(crawl_slots.c.node_id).where(crawl_slots.c.status == "done")
            ).all()
    finally:
        store.close()
    return Counter(str(row[0]) for row in rows)
