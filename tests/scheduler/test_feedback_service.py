"""The service hears Slack's feedback buttons: ``newswatch run`` with a Slack channel that has an
app token opens Socket Mode at start, counts presses in ``/metrics``, hangs up when a reload takes
the app token away (and calls again when it comes back), and closes the socket at shutdown.

The presses go to the service's own store (a SQLite file holding the alert pressed on), and the
mute is still there when the file is opened again after shutdown.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import scheduler.daemon as daemon
from scheduler.config import load_config
from scheduler.store import open_store
from tests.alerts.helpers import fill
from tests.alerts.test_slack_feedback import eventually
from tests.servers.fake_slack import FakeSlack, press_envelope

ENV = {"NW_TEST_BOT": "xoxb-bot", "NW_TEST_APP": "xapp-1-A0FAKE-1-secret"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config_text(db: Path, port: int, api_url: str, app_token: bool) -> str:
    return (
        f'[service]\ndatabase_url = "sqlite:///{db}"\nhealth_listen = "127.0.0.1:{port}"\n'
        '[[channel]]\nname = "deals"\nkind = "slack"\ntoken = "env:NW_TEST_BOT"\n'
        f'channel = "#deals"\napi_url = "{api_url}"\n'
        + ('app_token = "env:NW_TEST_APP"\nmute_for = "2d"\n' if app_token else "")
        + '[[source]]\nname = "off"\nfeed = "http://127.0.0.1:9/feed"\nenabled = false\n'
    )


async def _metric(port: int, result: str) -> float:
    async with httpx.AsyncClient(trust_env=False) as client:
        try:
            text = (await client.get(f"http://127.0.0.1:{port}/metrics", timeout=5)).text
        except httpx.ConnectError:
            return -1.0
    for line in text.splitlines():
        if line.startswith(f'newswatch_slack_feedback_total{{result="{result}"}}'):
            return float(line.split()[-1])
    return -1.0


async def _wait_metric(port: int, result: str, expected: float) -> None:
    for _ in range(300):
        if await _metric(port, result) == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"newswatch_slack_feedback{{result={result!r}}} never reached {expected}")


async def test_service_hears_presses_reloads_and_hangs_up_at_shutdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    port = _free_port()
    path = tmp_path / "newswatch.toml"
    db = tmp_path / "nw.db"
    with open_store(f"sqlite:///{db}") as store:  # the alert the reader presses on, already sent
        (delivery,) = fill(store, 1, ["deals"])
        store.mark_sent(delivery, now=datetime.now(UTC) - timedelta(minutes=5))
    with FakeSlack() as fake:
        path.write_text(_config_text(db, port, fake.api_url, True))
        service = daemon.Service(load_config(path), use_pool=False)
        running = asyncio.ensure_future(service.run())
        try:
            await eventually(lambda: fake.sockets.open_sockets() == 1, "the Socket Mode connection")
            value = f'{{"d":{delivery},"c":"deals","p":"Meta"}}'
            fake.push(press_envelope("E1", "newswatch.mute", value))
            fake.push(press_envelope("E2", "newswatch.mute", value, team="T0OTHER"))
            await eventually(lambda: len(fake.calls_to("chat.update")) == 1, "chat.update")
            assert fake.acks() == ["E1", "E2"]
            for result in ("accepted", "foreign_team"):
                await _wait_metric(port, result, 1.0)
            assert await _metric(port, "replay") == 0.0

            # A reload without the app token hangs up; with it again, calls back.
            path.write_text(_config_text(db, port, fake.api_url, False))
            assert await service.reload()
            await eventually(lambda: fake.sockets.open_sockets() == 0, "the socket closed")
            assert service.feedback is None
            path.write_text(_config_text(db, port, fake.api_url, True))
            assert await service.reload()
            await eventually(lambda: fake.sockets.open_sockets() == 1, "a new connection")
            assert fake.sockets.connections == 2
        finally:
            service.stop()
            assert await asyncio.wait_for(running, 30) == 0
        await eventually(lambda: fake.sockets.open_sockets() == 0, "the socket closed at exit")
    # The press from the bot's team was stored with its mute, for the channel's mute_for.
    with open_store(f"sqlite:///{db}") as store:
        (hold,) = store.active_holds(now=datetime.now(UTC))
        assert (hold.kind, hold.channel, hold.key, hold.created_by) == (
            "mute",
            "deals",
            "meta",
            "ann",
        )
        assert hold.expires_at - hold.created_at == timedelta(days=2)
