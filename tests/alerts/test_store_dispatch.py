"""The dispatcher and the ``alerts`` / ``dispatch`` commands over the real ``scheduler.store``
(a SQLite file, and PostgreSQL when it is reachable) and the fake Slack."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.channels import parse_channel
from alerts.dispatch_loop import dispatch_loop
from alerts.dispatcher import Dispatcher
from scheduler.cli import main
from tests.alerts.helpers import fill, slack_channel_toml, write_config
from tests.servers.fake_slack import FakeSlack, error, rate_limited

store_module = pytest.importorskip("scheduler.store")


PG_URL = os.environ.get("NEWSWATCH_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """The real store on a SQLite file, or in a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        s = store_module.open_store(f"sqlite:///{tmp_path / 'nw.db'}")
        yield s
        s.close()
        return
    import psycopg

    try:
        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} unreachable under CI: {exc}")
        pytest.skip(f"PostgreSQL at {PG_URL} unreachable: {exc}")
    schema = f"nw_alerts_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            base = PG_URL.split("://", 1)[1]
            joiner = "&" if "?" in base else "?"
            s = store_module.open_store(
                f"postgresql+psycopg://{base}{joiner}options=-csearch_path%3D{schema}"
            )
            yield s
            s.close()
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_dispatcher_delivers_the_real_outbox(store, fake_slack: FakeSlack) -> None:
    ids = fill(store, 30, ["slack"])
    assert len(ids) == 30
    base = {"name": "slack", "kind": "slack", "token": "xoxb-t", "channel": "#ai"}
    cfg = parse_channel(base | {"api_url": fake_slack.api_url, "rate_limit": 0, "storm_max": 0})
    fake_slack.script(rate_limited(0.2))
    async with Dispatcher(store, [cfg], batch_size=8) as d:
        total = await dispatch_loop(d, interval=0.1, max_runs=50)
    assert (total.sent, total.retried) == (30, 1)
    assert store.outbox_counts() == {"pending": 0, "sent": 30, "failed": 0}
    assert store.sent_count_since("slack", datetime.now(UTC) - timedelta(minutes=1)) == 30
    assert len(fake_slack.calls) == 31
    urls = sorted(c.body["blocks"][-1]["elements"][0]["url"] for c in fake_slack.posted())
    assert urls == sorted(f"https://news.example.com/story/{i}" for i in range(30))


def test_commands_list_and_retry_failed(
    tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("NW_TEST_SLACK_TOKEN", "xoxb-cli")
    db = tmp_path / "nw.db"
    config = write_config(
        tmp_path / "nw.toml", db, slack_channel_toml(fake_slack.api_url, rate_limit=0)
    )
    s = store_module.open_store(f"sqlite:///{db}")
    try:
        ids = fill(s, 3, ["slack"])
    finally:
        s.close()

    assert main(["--config", str(config), "alerts", "pending", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(d["id"] for d in listed["deliveries"]) == sorted(ids)

    fake_slack.script(error("channel_not_found"))
    assert main(["--config", str(config), "dispatch", "--once", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["failed"] == 1 and stats["sent"] == 2
    assert stats["outbox"] == {"pending": 0, "sent": 2, "failed": 1}

    assert main(["--config", str(config), "alerts", "failed"]) == 0
    out = capsys.readouterr().out
    assert "channel_not_found" in out and "Story" in out

    assert main(["--config", str(config), "alerts", "retry", "--all-failed"]) == 0
    assert "1 delivery queued again" in capsys.readouterr().out
    assert main(["--config", str(config), "dispatch", "--until-empty", "--interval", "0.1s"]) == 0
    assert "outbox: pending 0, sent 3, failed 0" in capsys.readouterr().out
    assert len(fake_slack.posted()) == 3
    assert all(c.headers["Authorization"] == "Bearer xoxb-cli" for c in fake_slack.calls)


def test_alerts_test_command_reports_success_and_exact_error(
    tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("NW_TEST_SLACK_TOKEN", "xoxb-cli")
    config = write_config(
        tmp_path / "nw.toml", tmp_path / "nw.db", slack_channel_toml(fake_slack.api_url)
    )
    assert main(["--config", str(config), "alerts", "test", "slack"]) == 0
    assert "ok: sample alert sent to slack" in capsys.readouterr().out
    body = fake_slack.calls[0].body
    assert "<!channel>" not in json.dumps(body)
    fake_slack.script(error("invalid_auth"))
    assert main(["--config", str(config), "alerts", "test", "slack"]) == 1
    assert "FAILED (permanent) slack [slack]: slack: invalid_auth" in capsys.readouterr().out
    assert main(["--config", str(config), "alerts", "test", "nope"]) == 2
    assert "unknown channel 'nope' (configured: slack)" in capsys.readouterr().out
