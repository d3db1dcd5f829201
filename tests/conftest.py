"""Shared test setup: no proxies, no stray config from the developer's environment.

Local servers (the fixture news site, the fake Slack API, SMTP) live in ``tests/servers/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Local servers shared by every test package (fixtures: ``site``).
pytest_plugins = ["tests.servers.site", "tests.servers.hostile"]

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests talk to loopback servers only: proxies and a user's NEWSWATCH_CONFIG stay out."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("NEWSWATCH_CONFIG", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    yield


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (the shared data folder is absent)")
    return path


@pytest.fixture
def isolated_cwd(tmp_path: Path) -> Iterator[Path]:
    """Run the test in an empty working directory."""
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)
