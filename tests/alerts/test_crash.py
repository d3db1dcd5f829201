"""At-least-once across crashes: ``newswatch dispatch --until-empty`` runs as a subprocess over a
SQLite store holding 200 pending alerts for the fake Slack; it is killed with SIGKILL at random
points several times and restarted. Every alert must reach Slack at least once, and duplicates
can only come from the one message in flight at each kill."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.alerts.helpers import fill, slack_channel_toml, write_config
from tests.servers.fake_slack import Answer, FakeSlack

# Each test runs newswatch (or a crawl) in a child process: part of the e2e suite.
pytestmark = pytest.mark.e2e

store_module = pytest.importorskip("scheduler.store")

N_ALERTS = 200
KILLS = 5
REPO = Path(__file__).resolve().parents[2]


def _start(config: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NW_TEST_SLACK_TOKEN": "xoxb-crash"}
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        env.pop(name, None)
        env.pop(name.upper(), None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler",
            "--config",
            str(config),
            "dispatch",
            "--until-empty",
            "--interval",
            "0.2s",
            "--lease",
            "3s",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _urls(fake: FakeSlack) -> Counter[str]:
    return Counter(c.body["blocks"][-1]["elements"][0]["url"] for c in fake.posted())


def test_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    db = tmp_path / "nw.db"
    with FakeSlack() as fake:
        # A small delay widens the window between "Slack has it" and "marked sent".
        fake.default = Answer(delay=0.003)
        config = write_config(
            tmp_path / "nw.toml",
            db,
            slack_channel_toml(fake.api_url, rate_limit=0, storm_max=0, timeout="5s"),
        )
        store = store_module.open_store(f"sqlite:///{db}")
        try:
            assert len(fill(store, N_ALERTS, ["slack"])) == N_ALERTS
        finally:
            store.close()

        kills = 0
        for _ in range(KILLS):
            before = len(fake.posted())
            target = before + rng.randint(1, 30)
            proc = _start(config)
            deadline = time.monotonic() + 60
            while len(fake.posted()) < target and proc.poll() is None:
                assert time.monotonic() < deadline, f"no progress (seed {seed})"
                time.sleep(0.002)
            if proc.poll() is not None:
                break  # it finished everything before we could kill it
            time.sleep(rng.random() * 0.01)  # land anywhere: mid-request, mid-commit, idle
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc.stdout.close()  # type: ignore[union-attr]
            proc.stderr.close()  # type: ignore[union-attr]
            kills += 1

        final = _start(config)
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, err.decode()[-2000:]
        assert b"pending 0" in out

        seen = _urls(fake)
    expected = {f"https://news.example.com/story/{i}" for i in range(N_ALERTS)}
    assert set(seen) == expected, f"missing {len(expected - set(seen))} (seed {seed})"
    duplicates = sum(seen.values()) - len(seen)
    print(f"seed {seed}: {kills} kills, {duplicates} duplicates")
    assert kills >= 3, f"only {kills} kills landed (seed {seed})"
    assert duplicates <= kills, f"{duplicates} duplicates after {kills} kills (seed {seed})"
    store = store_module.open_store(f"sqlite:///{db}")
    try:
        assert store.outbox_counts() == {"pending": 0, "sent": N_ALERTS, "failed": 0}
    finally:
        store.close()
