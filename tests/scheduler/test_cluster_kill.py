"""Cluster mode survives a node killed with SIGKILL, mid-crawl and mid-delivery burst.

Mid-crawl: the node crawling a slow feed (its slot ``running`` in the ledger under that node) is
killed; another node retries the job once the dead worker's heartbeat is older than
``STALLED_AFTER`` (plus at most one recovery period, 2 s): the slot ends ``done`` on another node
at its second attempt, the feed was polled twice (the one duplicate the kill costs), and every
article is downloaded and alerted once. Mid-delivery: Slack answers slowly, and the node holding a
connection to it while alerts remain pending is killed; its claimed rows come back when their
20 s lease ends and another node sends them: every match reaches Slack, at most one twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.cluster.service import DELIVERY_LEASE, STALLED_AFTER
from scheduler.store import open_store
from tests.scheduler.cluster_helpers import (
    alerted_articles,
    article_downloads,
    cluster_config,
    feed_polls,
    node_of,
    slot_rows,
    start_nodes,
    talking_to,
)
from tests.scheduler.test_daemon import Service, wait_for
from tests.servers.fake_slack import FakeSlack, slow
from tests.servers.site import FixtureSite

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)]

# The wait for another node to take over: the stall limit, recovery periods, a crawl, margin.
PICKUP_TIMEOUT = STALLED_AFTER + 40


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def pending_deliveries(db_url: str) -> int:
    store = open_store(db_url)
    try:
        return len(store.list_deliveries("pending", limit=1000))
    finally:
        store.close()


def running_slots(db_url: str, source: str) -> list[dict[str, object]]:
    return [r for r in slot_rows(db_url, source) if r["status"] == "running"]


def stop_all(nodes: list[Service]) -> list[int]:
    return [node.stop() for node in nodes if node.proc.returncode is None]


def test_a_node_killed_mid_crawl_leaves_its_slot_to_another(
    site: FixtureSite, slack: FakeSlack, db_url: str, tmp_path: Path
) -> None:
    site.reset()
    config = cluster_config(tmp_path, site, slack, db_url, every="1h")
    # Only the slow feed: its one slot this hour, fetched 6 s late.
    text = config.read_text()
    text = text[: text.index("[[source]]")] + (
        '[[source]]\nname = "slow"\n'
        f'feed = "{site.url("feeds/latest.rss.xml?delay=6")}"\nevery = "1h"\n'
    )
    config.write_text(text.replace('timeout = "5s"', 'timeout = "30s"'))
    nodes = start_nodes(config, 3)
    try:
        rows = wait_for(
            "the slow crawl to start",
            lambda: site.requests and running_slots(db_url, "slow"),
        )
        victim = node_of(nodes, str(rows[0]["node_id"]))
        victim.kill()
        done = wait_for(
            "another node to finish the slot",
            lambda: [r for r in slot_rows(db_url, "slow") if r["status"] == "done"],
            timeout=PICKUP_TIMEOUT,
        )
        wait_for("the alerts", lambda: pending_deliveries(db_url) == 0 and alerted_articles(slack))
        codes = stop_all(nodes)
    finally:
        for node in nodes:
            node.kill()
    logs = "\n".join(n.log() for n in nodes)
    assert codes == [0, 0], logs[-4000:]
    assert done[0]["node_id"] != rows[0]["node_id"] and done[0]["attempts"] == 2, done
    assert len(slot_rows(db_url, "slow")) == 1  # one slot, crawled to the end once
    polls = [r for r in site.requests if r.route == "/feeds/latest.rss.xml"]
    assert len(polls) == 2, polls  # the killed poll and the retry
    downloads = article_downloads(site)
    assert downloads and max(downloads.values()) == 1, downloads
    alerted = alerted_articles(slack)
    assert alerted and max(alerted.values()) == 1, alerted


def test_a_node_killed_mid_delivery_burst_loses_no_alert(
    site: FixtureSite, slack: FakeSlack, db_url: str, tmp_path: Path
) -> None:
    site.reset()
    slack.default = slow(1.5)  # every post takes 1.5 s: the burst of five lasts seconds
    config = cluster_config(tmp_path, site, slack, db_url, every="1h")
    nodes = start_nodes(config, 3)
    try:
        victims = wait_for(
            "a node delivering while alerts remain",
            lambda: pending_deliveries(db_url) >= 2 and talking_to(nodes, slack.port),
        )
        victims[0].kill()
        killed_at = time.monotonic()
        wait_for(
            "the others to deliver the rest",
            lambda: pending_deliveries(db_url) == 0,
            timeout=DELIVERY_LEASE.total_seconds() + PICKUP_TIMEOUT,
        )
        codes = stop_all(nodes)
    finally:
        for node in nodes:
            node.kill()
    logs = "\n".join(n.log() for n in nodes)
    assert codes == [0, 0], logs[-4000:]
    assert time.monotonic() > killed_at
    store = open_store(db_url)
    try:
        sent = [d for d in store.list_deliveries("sent", limit=1000) if d.channel == "alerts"]
    finally:
        store.close()
    alerted = alerted_articles(slack)
    linked = {d.alert.url.split("127.0.0.1", 1)[-1].split("/", 1)[-1] for d in sent}
    # Every match reached Slack; the kill cost at most one message twice.
    assert len(sent) >= 4, sent
    assert all(any(path.endswith(link) for path in alerted) for link in linked), (linked, alerted)
    assert sum(alerted.values()) - len(alerted) <= 1, alerted
    assert feed_polls(site)  # the feeds were crawled (once each: the cadence is an hour)
