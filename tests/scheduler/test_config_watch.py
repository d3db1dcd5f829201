"""Config watching as pure functions: the signature notices edits, the diff names what changed."""

from __future__ import annotations

import os
from pathlib import Path

from scheduler.config import load_config
from scheduler.config_watch import config_signature, diff_configs

BASE = """\
[watchlists]
include = ["watchlists/*.toml"]

[[source]]
name = "a"
feed = "https://example.org/a.xml"
every = "5m"

[[source]]
name = "b"
feed = "https://example.org/b.xml"
every = "5m"
"""

WATCHLIST = """\
name = "deals"
topics = ["deal"]

[[entity]]
name = "Meta"
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "watchlists").mkdir(exist_ok=True)
    (tmp_path / "watchlists" / "deals.toml").write_text(WATCHLIST)
    path = tmp_path / "newswatch.toml"
    path.write_text(text)
    return path


def test_signature_changes_with_a_new_watchlist_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE))
    before = config_signature(config)
    assert config_signature(config) == before
    (tmp_path / "watchlists" / "more.toml").write_text(WATCHLIST.replace("deals", "more"))
    assert config_signature(config) != before


def test_signature_changes_when_a_file_is_edited(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    config = load_config(path)
    before = config_signature(config)
    path.write_text(BASE + "\n# edited\n")
    os.utime(path, ns=(1, 1))
    assert config_signature(config) != before


def test_diff_names_sources_added_removed_and_changed(tmp_path: Path) -> None:
    old = load_config(write(tmp_path, BASE))
    edited = BASE.replace('name = "a"', 'name = "c"').replace(
        'b.xml"\nevery = "5m"', 'b.xml"\nevery = "10m"'
    )
    new = load_config(write(tmp_path, edited))
    diff = diff_configs(old, new)
    assert (diff.removed, diff.added, diff.changed) == (("a",), ("c",), ("b",))
    assert diff.watchlists is None and diff.channels is None and not diff.database_changed
    assert diff.describe() == "source a removed; source c added; source b changed"


def test_unchanged_config_has_no_effective_change(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE))
    again = load_config(tmp_path / "newswatch.toml")
    assert diff_configs(config, again).describe() == "no effective change"
