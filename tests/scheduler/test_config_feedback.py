"""The Slack channel's feedback options: the app token (a secret, ``xapp-``), mute, snooze."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alerts.channels import SlackChannel
from scheduler.config import load_config
from scheduler.config_view import ConfigView, load_view
from scheduler.errors import ConfigError

CHANNEL = """\
[[channel]]
name = "deals"
kind = "slack"
token = "env:NW_TEST_BOT"
channel = "#deals"
app_token = "env:NW_TEST_APP"
"""

ENV = {"NW_TEST_BOT": "xoxb-bot-secret", "NW_TEST_APP": "xapp-1-app-secret"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newswatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_app_token_from_env_turns_buttons_on_with_default_spans(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, CHANNEL), environ=ENV)
    channel = config.channels[0]
    assert isinstance(channel, SlackChannel)
    assert channel.app_token is not None
    assert channel.app_token.get_secret_value() == "xapp-1-app-secret"
    assert "xapp-1-app-secret" not in repr(config)
    assert channel.feedback_buttons
    assert channel.mute_for == timedelta(days=7) and channel.snooze_for == timedelta(days=7)


def test_spans_are_durations(tmp_path: Path) -> None:
    text = CHANNEL + 'mute_for = "3d"\nsnooze_for = "12h"\n'
    channel = load_config(write(tmp_path, text), environ=ENV).channels[0]
    assert isinstance(channel, SlackChannel)
    assert channel.mute_for == timedelta(days=3) and channel.snooze_for == timedelta(hours=12)


def test_without_app_token_no_buttons(tmp_path: Path) -> None:
    text = CHANNEL.replace('app_token = "env:NW_TEST_APP"\n', "")
    channel = load_config(write(tmp_path, text), environ=ENV).channels[0]
    assert isinstance(channel, SlackChannel) and not channel.feedback_buttons


@pytest.mark.parametrize(
    ("edit", "key", "needle"),
    [
        ({"NW_TEST_APP": "xoxb-a-bot-token"}, "app_token", "starting with 'xapp-'"),
        ({"NW_TEST_APP": ""}, "app_token", "starting with 'xapp-'"),
        ({}, "mute_for", "must be positive"),
    ],
)
def test_bad_feedback_options_name_file_and_line(
    tmp_path: Path, edit: dict[str, str], key: str, needle: str
) -> None:
    text = CHANNEL + ('mute_for = "0s"\n' if key == "mute_for" else "")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={**ENV, **edit})
    err = info.value
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith(key))
    assert err.path == path and err.line == line
    assert needle in str(err) and str(err).startswith(f"{path}:{line}:")
    assert "xoxb-a-bot-token" not in str(err)


def test_unset_app_token_variable_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, CHANNEL)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={"NW_TEST_BOT": "xoxb-bot"})
    assert "NW_TEST_APP is not set" in str(info.value) and info.value.line == 6


def test_app_token_with_a_webhook_is_refused(tmp_path: Path) -> None:
    text = (
        '[[channel]]\nname = "deals"\nkind = "slack"\n'
        'webhook_url = "http://127.0.0.1:1/services/x"\napp_token = "xapp-1"\n'
    )
    with pytest.raises(ConfigError, match="needs the Web API"):
        load_config(write(tmp_path, text), environ={})


def test_config_view_reads_a_channel_with_feedback_options(tmp_path: Path) -> None:
    path = write(tmp_path, CHANNEL + 'mute_for = "3d"\n')
    for env in (ENV, {}):
        view = load_view(path, environ=env)
        assert [c.name for c in view.channels] == ["deals"]
        full = load_config(path, environ=env, secrets=False)
        assert view == ConfigView.of(full)
