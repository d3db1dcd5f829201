"""``/healthz`` reflects the store: a deleted, replaced or corrupted SQLite file, or a database the
store cannot read, turns the probe bad and the endpoint to 503; the service itself keeps running
and turns healthy again when the store answers."""

from __future__ import annotations

import asyncio
import shutil
import socket
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

import scheduler.daemon as daemon
from scheduler.store import open_store


def test_probe_sees_a_deleted_replaced_or_corrupt_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "nw.db"
    store = open_store(f"sqlite:///{db}")
    try:
        assert store.probe() is None
        db.rename(tmp_path / "moved.db")
        assert "No such file" in (store.probe() or "")
        shutil.copy(tmp_path / "moved.db", db)  # a new file under the old name
        assert "replaced" in (store.probe() or "")
    finally:
        store.close()
    store = open_store(f"sqlite:///{db}")
    try:
        db.write_bytes(b"\0garbage" * 4096)  # same file, contents gone
        assert "not an SQLite database" in (store.probe() or "")
    finally:
        store.close()


def test_probe_on_any_backend(db_url: str) -> None:
    store = open_store(db_url)
    try:
        assert store.probe() is None
        with store.engine.begin() as conn:  # the store's tables gone under it
            conn.execute(text("DROP TABLE schema_version"))
        assert "schema_version" in (store.probe() or "")
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _status(url: str) -> int:
    async with httpx.AsyncClient(trust_env=False) as client:
        try:
            return (await client.get(url, timeout=5)).status_code
        except httpx.ConnectError:
            return 0  # not listening yet


async def _wait_status(url: str, expected: int, running: asyncio.Future[int] | None = None) -> None:
    for _ in range(200):
        if running is not None and running.done():
            running.result()  # the service died: show why
        if await _status(url) == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never answered {expected}")


async def test_healthz_turns_503_when_the_database_is_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.config import load_config

    monkeypatch.setattr(daemon, "HEARTBEAT_SECONDS", 0.1)
    port = _free_port()
    db = tmp_path / "data" / "newswatch.db"
    config = tmp_path / "newswatch.toml"
    config.write_text(
        f'[service]\ndatabase_url = "sqlite:///{db}"\nhealth_listen = "127.0.0.1:{port}"\n'
        '[[channel]]\nname = "out"\nkind = "console"\n'
        '[[source]]\nname = "off"\nfeed = "http://127.0.0.1:9/feed"\nenabled = false\n',
        encoding="utf-8",
    )
    service = daemon.Service(load_config(config), use_pool=False)
    running = asyncio.ensure_future(service.run())
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        await _wait_status(url, 200, running)
        db.rename(tmp_path / "aside.db")
        await _wait_status(url, 503)
        assert service.store_health.problem is not None
        assert not running.done()  # unhealthy, not dead: a supervisor decides what to do
        (tmp_path / "aside.db").rename(db)  # the same file back: healthy again
        await _wait_status(url, 200)
    finally:
        service.stop()
        await asyncio.wait_for(running, 30)
