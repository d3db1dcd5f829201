"""Reading one config TOML file: syntax errors with their line, env references resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.config_toml import read_toml, resolve_env, without_unset_secrets
from scheduler.errors import ConfigError


def test_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.toml"
    file.write_text('a = 1\nb = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_toml(file)
    assert info.value.line == 2
    assert "not valid TOML" in str(info.value)


def test_env_references_are_resolved_and_an_unset_one_is_named() -> None:
    data = {"channel": [{"name": "s", "token": "env:TOKEN"}], "plain": "x"}
    text = '[[channel]]\nname = "s"\ntoken = "env:TOKEN"\n'
    resolved = resolve_env(data, Path("c.toml"), text, {"TOKEN": "secret"}, ())
    assert resolved == {"channel": [{"name": "s", "token": "secret"}], "plain": "x"}
    with pytest.raises(ConfigError) as info:
        resolve_env(data, Path("c.toml"), text, {}, ())
    assert "TOKEN is not set" in str(info.value)
    assert info.value.key == "channel[0].token"


def test_a_channel_with_an_unset_secret_becomes_a_console_of_the_same_name() -> None:
    table = {"name": "s", "kind": "slack", "token": "env:TOKEN"}
    assert without_unset_secrets(table, {}) == {"name": "s", "kind": "console"}
    assert without_unset_secrets(table, {"TOKEN": "t"}) is table
