"""``newswatch run`` as a user runs it: a subprocess against the fixture site and the fake Slack.

The service crawls on a cadence of seconds, alerts reach the fake Slack, a watchlist edit changes
what alerts next without a restart, a broken edit is rejected (one ops notice) while the service
keeps alerting on the old rules, a new source in the file gets scheduled, SIGTERM exits 0, a restart
does not re-alert, a failing source produces one ops notice and one recovery notice, and
``/healthz`` and ``/metrics`` answer. Assertions wait for events; none measures speed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers.fake_slack import FakeSlack
from tests.servers.site import FixtureSite

# Each test runs newswatch (or a crawl) in a child process: part of the e2e suite.
pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
EVENT_TIMEOUT = 60.0

WATCHLIST_META = """\
name = "deals"
notify = ["alerts"]
min_score = 0.3

[[entity]]
name = "Meta"
aliases = ["Meta Platforms"]
case_sensitive = ["Meta"]

[[entity]]
name = "Scale AI"
"""

WATCHLIST_GOOGLE = """\
name = "deals"
notify = ["alerts"]
min_score = 0.3

[[entity]]
name = "Google"
aliases = ["Google DeepMind"]

[[entity]]
name = "Windsurf"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, predicate: Callable[[], Any], timeout: float = EVENT_TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Service:
    """A running ``newswatch run`` subprocess and its log."""

    def __init__(self, config: Path, log: Path, env: dict[str, str]) -> None:
        self.log_path = log
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "--config", str(config), "run"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=config.parent,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def texts(slack: FakeSlack, channel: str) -> list[str]:
    out = []
    for call in slack.posted():
        if call.body.get("channel") == channel:
            out.append(str(call.body.get("text", "")))
    return out


def write_config(
    root: Path,
    site: FixtureSite,
    slack: FakeSlack,
    sources: str,
    *,
    health_port: int,
    extra_service: str = "",
) -> Path:
    (root / "watchlists").mkdir(exist_ok=True)
    config = root / "newswatch.toml"
    config.write_text(
        f"""\
[service]
data_dir = "data"
health_listen = "127.0.0.1:{health_port}"
ops_channel = "ops"
dispatch_every = "1s"
shutdown_grace = "10s"
failing_after = 2
max_backoff = "2s"
{extra_service}

[crawl]
allow_private = true
download_delay = "1ms"
autothrottle = false
timeout = "3s"
retries = 0
default_max_age = "30d"

[watchlists]
include = ["watchlists/*.toml"]

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


def source(name: str, url: str, every: str = "2s") -> str:
    return f'[[source]]\nname = "{name}"\nfeed = "{url}"\nevery = "{every}"\n'


def service_env() -> dict[str, str]:
    return {**os.environ, "TEST_SLACK_TOKEN": "xoxb-test-token", "PYTHONPATH": str(REPO)}


def test_service_alerts_reloads_rejects_bad_edits_and_restarts_without_realerting(
    site: FixtureSite, slack: FakeSlack, tmp_path: Path
) -> None:
    site.reset()
    port = free_port()
    latest = source("latest", site.url("feeds/latest.rss.xml"))
    config = write_config(tmp_path, site, slack, latest, health_port=port)
    watchlist = tmp_path / "watchlists" / "deals.toml"
    watchlist.write_text(WATCHLIST_META)
    service = Service(config, tmp_path / "service.log", service_env())
    try:
        # Alerts arrive: the Meta / Scale AI story.
        wait_for("the Meta alert", lambda: any("Scale AI" in t for t in texts(slack, "#alerts")))
        assert "xoxb-test-token" not in service.log()
        # Health and metrics answer.
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'newswatch_fetches_total{source="latest"}' in metrics
        assert "newswatch_new_articles_total" in metrics
        index = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert index.status_code == 200 and "/healthz" in index.text and "/metrics" in index.text

        # A broken edit is rejected with file and line; one ops notice; the service keeps going.
        watchlist.write_text(WATCHLIST_GOOGLE + "\n[[entity]]\nname = \n")
        wait_for("the rejection", lambda: "config edit rejected" in service.log())
        wait_for("one ops notice", lambda: texts(slack, "#ops"))
        assert f"{watchlist}:" in service.log()
        time.sleep(2)  # more polls of the broken file must not repeat the notice
        assert len([t for t in texts(slack, "#ops") if "rejected" in t]) == 1
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200

        # A valid edit (new watchlist rules) plus a new source in the main file: both apply.
        before = len(texts(slack, "#alerts"))
        watchlist.write_text(WATCHLIST_GOOGLE)
        config.write_text(config.read_text() + "\n" + source("ai-json", site.url("feeds/ai.json")))
        wait_for("the reload", lambda: "source ai-json added" in service.log())
        wait_for(
            "the Windsurf alert", lambda: any("Windsurf" in t for t in texts(slack, "#alerts"))
        )
        new_alerts = texts(slack, "#alerts")[before:]
        assert not any("Scale AI" in t for t in new_alerts)  # the old rules are gone
    finally:
        code = service.stop()
    assert code == 0, service.log()[-3000:]
    assert "newswatch stopped" in service.log()

    # Restart: nothing is alerted again, and the service resumes its sources.
    alerted = len(texts(slack, "#alerts"))
    fetches = len(site.requests)
    service = Service(config, tmp_path / "service2.log", service_env())
    try:
        wait_for("a crawl after restart", lambda: len(site.requests) > fetches + 1)
        time.sleep(3)
    finally:
        assert service.stop() == 0
    assert len(texts(slack, "#alerts")) == alerted


def test_failing_source_notifies_ops_once_then_recovers(
    site: FixtureSite, slack: FakeSlack, tmp_path: Path
) -> None:
    site.reset()
    # The first three fetches of this feed answer 503; then it works again.
    flaky = source("flaky", site.url("feeds/tech.atom.xml?fail=3&retry_after=0"), every="1s")
    config = write_config(tmp_path, site, slack, flaky, health_port=free_port())
    (tmp_path / "watchlists" / "deals.toml").write_text(WATCHLIST_META)
    service = Service(config, tmp_path / "service.log", service_env())
    try:
        wait_for("the failing notice", lambda: any("failing" in t for t in texts(slack, "#ops")))
        wait_for("the recovery notice", lambda: any("recovered" in t for t in texts(slack, "#ops")))
        time.sleep(2)
        ops = texts(slack, "#ops")
        assert len([t for t in ops if "is failing" in t]) == 1, ops
        assert len([t for t in ops if "recovered" in t]) == 1, ops
    finally:
        assert service.stop() == 0, service.log()[-3000:]


def test_sigterm_during_a_slow_crawl_exits_0_after_the_grace_period(
    site: FixtureSite, slack: FakeSlack, tmp_path: Path
) -> None:
    site.reset()
    slow = source("slow", site.url("slow?seconds=60"), every="1h")
    config = write_config(tmp_path, site, slack, slow, health_port=free_port(), extra_service="")
    config.write_text(
        config.read_text()
        .replace('shutdown_grace = "10s"', 'shutdown_grace = "2s"')
        .replace('timeout = "3s"', 'timeout = "120s"')
    )
    (tmp_path / "watchlists" / "deals.toml").write_text(WATCHLIST_META)
    service = Service(config, tmp_path / "service.log", service_env())
    try:
        wait_for("the slow crawl to start", lambda: any("/slow" in p for p in site.paths()))
        service.proc.send_signal(signal.SIGTERM)
        # The crawl would take a minute; the grace period is 2 s.
        code = service.proc.wait(timeout=30)
    finally:
        service.kill()
    log = service.log()
    assert code == 0, log[-3000:]
    assert "waiting up to 2s for 1 crawl(s) to finish" in log
    assert "newswatch stopped" in log
