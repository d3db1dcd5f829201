"""Cluster mode's config flag and its pure parts: ``cluster`` needs PostgreSQL; cadence slots.

The flag is refused (with the file and the line of ``cluster``) without a PostgreSQL
``database_url``; the slot arithmetic gives every node the same slot for the same moment, and a
source is due exactly when the ledger holds nothing for its current slot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.cluster.queue_schema import queue_conninfo
from scheduler.cluster.service import dispatch_cron, dispatch_period_change
from scheduler.cluster.slots import is_due, slot_start
from scheduler.config import load_config
from scheduler.errors import ConfigError


@pytest.mark.parametrize(
    ("database_url", "reason"),
    [
        (None, "none is set"),
        ("sqlite:///x.db", "got sqlite:"),
    ],
)
def test_cluster_without_postgresql_is_an_error_at_its_line(
    tmp_path: Path, database_url: str | None, reason: str
) -> None:
    url = f'database_url = "{database_url}"\n' if database_url else ""
    path = tmp_path / "newswatch.toml"
    path.write_text(f'[service]\nhealth_listen = ""\n{url}cluster = true\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    line = 4 if database_url else 3
    assert str(info.value).startswith(f"{path}:{line}: service.cluster: "), str(info.value)
    assert "PostgreSQL" in str(info.value) and reason in str(info.value)


def test_cluster_with_postgresql_loads_and_defaults_to_off(tmp_path: Path) -> None:
    path = tmp_path / "newswatch.toml"
    url = "postgresql://nw@db.internal/newswatch?options=-csearch_path%3Dnw"
    path.write_text(f'[service]\nhealth_listen = ""\ndatabase_url = "{url}"\ncluster = true\n')
    assert load_config(path).service.cluster is True
    # The job queue's connection keeps the options (and with them the schema) of the store's.
    assert queue_conninfo(url) == url
    path.write_text(f'[service]\nhealth_listen = ""\ndatabase_url = "{url}"\n')
    assert load_config(path).service.cluster is False


def test_slots_are_aligned_and_shared() -> None:
    every = timedelta(seconds=120)
    a = datetime(2026, 1, 1, 10, 3, 59, 999999, tzinfo=UTC)
    b = datetime(2026, 1, 1, 10, 2, 0, tzinfo=UTC)
    assert slot_start(a, every) == slot_start(b, every) == b
    assert slot_start(b - timedelta(microseconds=1), every) == b - every


def test_due_when_the_ledger_lacks_the_current_slot() -> None:
    every = timedelta(seconds=2)
    now = datetime(2026, 1, 1, 10, 0, 3, tzinfo=UTC)
    current = slot_start(now, every)
    assert is_due(now, every, None) == current
    assert is_due(now, every, current - every * 10) == current  # catches up with one crawl
    assert is_due(now, every, current) is None


@pytest.mark.parametrize(
    ("cadences", "cron"),
    [(["2s", "1h"], "* * * * * *"), (["5s"], "* * * * * */2"), (["10m"], "* * * * * */15")],
)
def test_dispatch_runs_at_half_the_shortest_cadence(
    tmp_path: Path, cadences: list[str], cron: str
) -> None:
    path = tmp_path / "newswatch.toml"
    url = "postgresql://nw@db.internal/newswatch"
    sources = "".join(
        f'[[source]]\nname = "s{i}"\nfeed = "http://127.0.0.1/{i}.xml"\nevery = "{every}"\n'
        for i, every in enumerate(cadences)
    )
    path.write_text(
        f'[service]\nhealth_listen = ""\ndatabase_url = "{url}"\ncluster = true\n{sources}'
    )
    assert dispatch_cron(load_config(path)) == cron
    # A reload does not change the running period: the node says so when the sources want another.
    assert dispatch_period_change(cron, load_config(path)) is None
    change = dispatch_period_change("* * * * * */15", load_config(path))
    assert (change is None) == (cron == "* * * * * */15")
    if change is not None:
        assert f"'{cron}'" in change and "until this node restarts" in change
