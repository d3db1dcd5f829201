"""Cluster mode end to end: three ``newswatch run`` nodes on one PostgreSQL database.

Four feeds on a 2 s cadence for about 40 s: the fixture site's request log shows each feed polled
at most once per cadence slot in total (not once per node), each article downloaded once, and the
fake Slack shows each matching article alerted once; a flaky source is reported failing and
recovered to ops once each, whichever nodes saw it. The ledger shows the crawls spread over more
than one node. Assertions count events; none measures speed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.store import open_store
from tests.scheduler.cluster_helpers import (
    FEEDS,
    alerted_articles,
    article_downloads,
    cluster_config,
    feed_polls,
    ledger_nodes,
    slots_between,
    start_nodes,
)
from tests.scheduler.test_daemon import texts, wait_for
from tests.servers.fake_slack import FakeSlack
from tests.servers.site import FixtureSite

pytestmark = pytest.mark.e2e

RUN_SECONDS = 40.0
CADENCE = 2.0


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_three_nodes_poll_each_feed_once_per_cadence_and_alert_once(
    site: FixtureSite, slack: FakeSlack, db_url: str, tmp_path: Path
) -> None:
    site.reset()
    # A fifth source fails three times, then works: failing, then recovered, told to ops once each.
    flaky = {"flaky": "feeds/rss091.xml?fail=3&retry_after=0"}
    config = cluster_config(tmp_path, site, slack, db_url, extra=flaky)
    start = time.time()
    nodes = start_nodes(config, 3)
    try:
        wait_for("a first alert", lambda: texts(slack, "#alerts"))
        time.sleep(max(start + RUN_SECONDS - time.time(), 0))
    finally:
        codes = [node.stop() for node in nodes]
    end = time.time()
    logs = "\n".join(node.log() for node in nodes)
    assert codes == [0, 0, 0], logs[-5000:]
    assert "Traceback" not in logs, logs[-5000:]

    polls = feed_polls(site)
    slots = slots_between(start, end, CADENCE)
    for name in FEEDS:
        # At most one poll per cadence slot in total; three nodes polling alone would make ~3x.
        assert polls[name] <= slots, (name, polls, slots)
        assert polls[name] >= slots // 3, (name, polls, slots)  # and the source keeps being polled
    downloads = article_downloads(site)
    assert downloads and max(downloads.values()) == 1, downloads

    alerted = alerted_articles(slack)
    assert alerted and max(alerted.values()) == 1, alerted
    store = open_store(db_url)
    try:
        sent = [d for d in store.list_deliveries("sent", limit=1000) if d.channel == "alerts"]
        pending = store.list_deliveries("pending", limit=1000)
    finally:
        store.close()
    assert not pending, pending
    assert sum(alerted.values()) == len(sent) >= 2, (alerted, sent)

    ops = texts(slack, "#ops")
    assert len([t for t in ops if "flaky is failing" in t]) == 1, ops
    assert len([t for t in ops if "flaky recovered" in t]) == 1, ops

    # The work is shared: crawls ran on more than one node.
    per_node = ledger_nodes(db_url)
    assert len(per_node) >= 2, per_node
