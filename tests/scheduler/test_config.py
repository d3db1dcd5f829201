"""Config loading: every bad value names its file, line and reason; secrets come from env."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.config import load_config
from scheduler.errors import ConfigError

GOOD = """\
[service]
data_dir = "data"

[crawl]
allow_private = true

[[source]]
name = "site-feed"
feed = "http://127.0.0.1:1/feed.xml"
every = "90s"

[[source]]
name = "site-news"
sitemap = "http://127.0.0.1:1/news-sitemap.xml"
every = "1h"
max_age = "2d"
headers = { "X-Test" = "1" }

[[source]]
name = "site-listing"
listing = "http://127.0.0.1:1/tech/"
links = "article h2 a"
enabled = false
"""


def write(tmp_path: Path, text: str, name: str = "newswatch.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_loads_into_frozen_objects(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={})
    assert [s.name for s in config.sources] == ["site-feed", "site-news", "site-listing"]
    assert config.sources[0].every == timedelta(seconds=90)
    assert config.sources[1].kind == "sitemap" and config.sources[1].max_age == timedelta(days=2)
    assert config.sources[2].enabled is False
    assert config.crawl.allow_private is True
    assert config.database_url == f"sqlite:///{tmp_path / 'data' / 'newswatch.db'}"
    # No watchlist file: the bundled default; no channel: the console.
    assert [w.name for w in config.watchlists] == ["ai-talent-and-deals"]
    assert [c.kind for c in config.channels] == ["console"]
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type is internal
        config.sources[0].every = timedelta(seconds=1)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("edit", "line", "needle"),
    [
        (('every = "90s"', 'every = "soon"'), 10, "expected a duration"),
        (('every = "90s"', 'evry = "90s"'), 10, "unknown key"),
        (('feed = "http://127.0.0.1:1/feed.xml"', 'feed = "not a url"'), 9, "URL"),
        (('links = "article h2 a"', 'links = "article h2 ["'), 19, "CSS selector"),
        (('name = "site-news"', 'name = "site-feed"'), 13, "already named 'site-feed'"),
        (('sitemap = "http://127.0.0.1:1/news-sitemap.xml"', ""), 12, "exactly one of"),
        (("allow_private = true", "allow_private = maybe"), 5, "not valid TOML"),
    ],
)
def test_bad_values_name_file_line_and_reason(
    tmp_path: Path, edit: tuple[str, str], line: int | None, needle: str
) -> None:
    path = write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    err = info.value
    assert err.path == path
    assert err.line == line
    assert needle in str(err)
    assert str(err).startswith(f"{path}:{line}:" if line else f"{path}: ")


def test_env_secret_reference_resolved_and_missing_one_is_an_error(tmp_path: Path) -> None:
    text = (
        GOOD
        + """
[[channel]]
name = "ai-deals"
kind = "slack"
token = "env:TEST_SLACK_TOKEN"
channel = "#ai-deals"
"""
    )
    path = write(tmp_path, text)
    config = load_config(path, environ={"TEST_SLACK_TOKEN": "xoxb-secret-value"})
    channel = config.channels[0]
    assert channel.token.get_secret_value() == "xoxb-secret-value"  # type: ignore[union-attr]
    assert "xoxb-secret-value" not in repr(config)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert "TEST_SLACK_TOKEN is not set" in str(info.value)
    assert info.value.line == text.splitlines().index('token = "env:TEST_SLACK_TOKEN"') + 1


def test_included_watchlist_errors_point_into_that_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD + '\n[watchlists]\ninclude = ["watchlists/*.toml"]\n')
    wl = write(
        tmp_path,
        'name = "mine"\nmin_score = 0.5\nbogus_key = 1\n',
        "watchlists/mine.toml",
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "newswatch.toml", environ={})
    assert info.value.path == wl
    assert info.value.line == 3
    assert "unknown key" in str(info.value)


def test_unknown_channel_in_notify_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, GOOD + '\n[watchlists]\ninclude = ["watchlists/*.toml"]\n')
    wl = write(tmp_path, 'name = "mine"\nnotify = ["nowhere"]\n', "watchlists/mine.toml")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "newswatch.toml", environ={})
    assert info.value.path == wl and info.value.line == 2
    assert "unknown channel 'nowhere'" in str(info.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml", environ={})


def test_no_config_anywhere_uses_the_bundled_example(
    isolated_cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(None)
    assert config.bundled
    assert len(config.sources) >= 10
    assert config.database_url == f"sqlite:///{isolated_cwd / 'newswatch-data' / 'newswatch.db'}"


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    assert main(["--config", str(path), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "config OK" in out and "site-feed" in out and "every 90s" in out
    bad = write(tmp_path, GOOD.replace('every = "90s"', 'every = "-1m"'), "bad.toml")
    assert main(["--config", str(bad), "check-config"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:10:" in err and "source[0].every" in err


def test_init_writes_a_config_that_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "nw")]) == 0
    assert (tmp_path / "nw" / "newswatch.toml").exists()
    assert (tmp_path / "nw" / "watchlists" / "ai-talent-and-deals.toml").exists()
    assert main(["--config", str(tmp_path / "nw" / "newswatch.toml"), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "ai-talent-and-deals" in out
    # A second init keeps the user's edits.
    (tmp_path / "nw" / "newswatch.toml").write_text("# mine\n")
    assert main(["init", str(tmp_path / "nw")]) == 0
    assert (tmp_path / "nw" / "newswatch.toml").read_text() == "# mine\n"


@pytest.mark.parametrize(
    ("value", "ok"), [('"5m"', True), ('"1s"', True), ('"500ms"', False), ('"7h"', False)]
)
def test_crawl_deadline_is_validated(tmp_path: Path, value: str, ok: bool) -> None:
    path = write(tmp_path, GOOD.replace("[crawl]\n", f"[crawl]\ndeadline = {value}\n"))
    if ok:
        assert load_config(path).crawl.deadline.total_seconds() > 0
    else:
        with pytest.raises(ConfigError, match=r"crawl\.deadline: the crawl deadline must be"):
            load_config(path)


def test_unset_channel_secret_reads_as_console_only_for_read_only_commands(
    tmp_path: Path,
) -> None:
    path = tmp_path / "newswatch.toml"
    path.write_text(
        '[service]\nops_channel = "ops"\n\n'
        '[[channel]]\nname = "ops"\nkind = "slack"\ntoken = "env:NW_UNSET"\nchannel = "#ops"\n'
    )
    with pytest.raises(ConfigError, match="NW_UNSET is not set"):
        load_config(path, environ={})
    config = load_config(path, environ={}, secrets=False)
    assert [(c.name, c.kind) for c in config.channels] == [("ops", "console")]
    # A set variable is used as usual.
    config = load_config(path, environ={"NW_UNSET": "xoxb-1"}, secrets=False)
    assert config.channels[0].kind == "slack"


def test_every_channel_means_every_channel_but_ops(tmp_path: Path) -> None:
    path = tmp_path / "newswatch.toml"
    channels = "".join(f'[[channel]]\nname = "{n}"\nkind = "console"\n\n' for n in ("a", "ops"))
    include = '[watchlists]\ninclude = ["watchlists/*.toml"]\n\n'
    path.write_text(f'[service]\nops_channel = "ops"\n\n{include}{channels}')
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "all.toml").write_text('name = "all"\n[[entity]]\nname = "Meta"\n')
    (tmp_path / "watchlists" / "ops.toml").write_text(
        'name = "to-ops"\nnotify = ["ops"]\n[[entity]]\nname = "Meta"\n'
    )
    config = load_config(path)
    assert config.routes() == {"all": ["a"], "to-ops": ["ops"]}
    assert any("'to-ops' sends its matches to the ops channel" in w for w in config.warnings())


def test_every_problem_in_a_file_is_shown_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        GOOD.replace('every = "90s"', 'every = "-1m"')
        .replace('every = "1h"', 'every = "1h"\ncolour = "red"')
        .replace('links = "article h2 a"\n', "")
    )
    bad = write(tmp_path, text, "bad.toml")
    assert main(["--config", str(bad), "check-config"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3, lines
    assert all(line.startswith(f"newswatch: error: {bad}:") for line in lines), lines
    joined = "\n".join(lines)
    assert "source[0].every" in joined and "source[1].colour: unknown key" in joined
    assert "source[2]" in joined
    assert "more problem" not in joined


def test_init_template_is_true_for_a_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "nw")]) == 0
    config = (tmp_path / "nw" / "newswatch.toml").read_text()
    assert "relative to this file's folder" in config
    assert "allow_private" in config
    watchlist = (tmp_path / "nw" / "watchlists" / "ai-talent-and-deals.toml").read_text()
    assert "RUBRIC" not in watchlist and "shared/data" not in watchlist
    assert "hiring — an AI talent move" in watchlist
