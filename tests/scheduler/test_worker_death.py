"""A SIGKILLed ``newswatch run`` leaves no process behind: its fork server and extraction
workers die with it."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from tests.scheduler.test_daemon import (
    Service,
    free_port,
    service_env,
    source,
    wait_for,
    write_config,
)
from tests.servers.fake_slack import FakeSlack
from tests.servers.site import FixtureSite

pytestmark = pytest.mark.e2e


def test_sigkill_of_run_takes_the_workers_with_it(site: FixtureSite, tmp_path: Path) -> None:
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
            # Workers start with the first extraction: wait for the fork server and a worker.
            children = wait_for(
                "extraction workers",
                lambda: (kids := parent.children(recursive=True)) and len(kids) >= 2 and kids,
            )
            # Let the pool fill to its size before the kill, so every worker is tested.
            time.sleep(1)
            children = parent.children(recursive=True)
            service.kill()  # SIGKILL: no shutdown code runs
            _, alive = psutil.wait_procs(children, timeout=15)
            assert not alive, [(p.pid, p.cmdline()) for p in alive]
        finally:
            service.kill()
