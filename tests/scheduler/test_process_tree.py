"""``newswatch run`` extracts articles in its own process: no worker processes to start, to pay
for at every ``newswatch crawl``, or to leave behind when the service is SIGKILLed."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from tests.scheduler.test_daemon import (
    Service,
    free_port,
    service_env,
    source,
    texts,
    wait_for,
    write_config,
)
from tests.servers.fake_slack import FakeSlack
from tests.servers.site import FixtureSite

pytestmark = pytest.mark.e2e


def test_run_extracts_and_alerts_without_child_processes(site: FixtureSite, tmp_path: Path) -> None:
    site.reset()
    with FakeSlack() as slack:
        config = write_config(
            tmp_path,
            site,
            slack,
            source("latest", site.url("feeds/latest.rss.xml")),
            health_port=free_port(),
        )
        service = Service(config, tmp_path / "service.log", service_env())
        try:
            parent = psutil.Process(service.proc.pid)
            # An alert means a page was downloaded, extracted, matched and stored.
            wait_for(
                "the Meta alert", lambda: any("Scale AI" in t for t in texts(slack, "#alerts"))
            )
            assert parent.children(recursive=True) == []
        finally:
            service.kill()
