"""The systemd unit: hardened, and a broken config does not restart forever."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def unit_sections(path: Path) -> dict[str, dict[str, str]]:
    """A systemd unit as {section: {key: value}} (comments dropped; no repeated keys here)."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        assert key not in current, f"{key} set twice"
        current[key.strip()] = value.strip()
    return sections


def test_unit_is_hardened_and_gives_up_on_a_broken_config() -> None:
    unit = unit_sections(REPO / "deploy" / "newswatch.service")
    service, head = unit["Service"], unit["Unit"]
    assert service["SystemCallFilter"] == "@system-service"
    assert service["ProtectProc"] == "invisible"
    assert service["ProcSubset"] == "pid"
    assert service["Restart"] == "on-failure"
    # StartLimit* belong in [Unit] (systemd ignores them under [Service]).
    assert int(head["StartLimitBurst"]) >= 1 and head["StartLimitIntervalSec"]
    assert "StartLimitBurst" not in service
    # No Documentation= pointing at a site that does not exist.
    assert "Documentation" not in head


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = (REPO / "deploy" / "newswatch.service").read_text()
    # The install path is the user's choice; verify checks that ExecStart exists.
    unit = tmp_path / "newswatch.service"
    unit.write_text(text.replace("/opt/newswatch/.venv/bin/newswatch", "/bin/true"))
    proc = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and "newswatch.service" not in proc.stderr, proc.stderr
