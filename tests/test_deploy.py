"""The deployment files: the systemd unit is hardened and a broken config does not restart it
forever; the cluster template is the same unit per node; the compose file upgrades the schema
once before its nodes start."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

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


# What differs between a node of the template and the single service, and why: a node's port for
# /healthz, its log name, and a working directory of its own (the store is PostgreSQL).
PER_NODE_KEYS = {"Environment", "SyslogIdentifier", "StateDirectory", "WorkingDirectory"}


def test_cluster_template_is_the_service_per_node() -> None:
    single = unit_sections(REPO / "deploy" / "newswatch.service")
    node = unit_sections(REPO / "deploy" / "newswatch@.service")
    assert node["Install"] == single["Install"]
    same = {k: v for k, v in single["Service"].items() if k not in PER_NODE_KEYS}
    assert {k: v for k, v in node["Service"].items() if k not in PER_NODE_KEYS} == same
    assert "%i" in node["Service"]["Environment"]
    assert node["Service"]["Environment"].startswith("NEWSWATCH_HEALTH_LISTEN=")
    assert "%i" in node["Service"]["StateDirectory"]
    for key in ("StartLimitBurst", "StartLimitIntervalSec"):
        assert node["Unit"][key] == single["Unit"][key]


def test_systemd_accepts_a_node_of_the_template(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = (REPO / "deploy" / "newswatch@.service").read_text()
    unit = tmp_path / "newswatch@2.service"
    unit.write_text(text.replace("/opt/newswatch/.venv/bin/newswatch", "/bin/true"))
    proc = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and "newswatch@" not in proc.stderr, proc.stderr


def test_compose_upgrades_the_schema_once_then_starts_three_nodes() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "node"}
    assert "healthcheck" in services["postgres"]
    migrate, node = services["migrate"], services["node"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert node["command"][0] == "run"
    assert node["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert node["deploy"]["replicas"] == 3
    # Both run the same image, config and environment (the YAML anchor merged into each).
    for key in ("build", "image", "environment", "volumes", "env_file"):
        assert migrate[key] == node[key], key
    env = node["environment"]
    # The password only by reference to the environment (deploy/.env), never written here.
    assert "${POSTGRES_PASSWORD:?" in env["NEWSWATCH_DATABASE_URL"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${")
    assert env["NEWSWATCH_CONFIG"] == "/etc/newswatch/newswatch.toml"
    build = node["build"]
    assert (REPO / "deploy" / build["context"] / build["dockerfile"]).is_file()
