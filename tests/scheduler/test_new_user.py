"""What a new user types, run as they run it: global options after the subcommand, ``--version``,
read-only commands in a shell without the service's secrets, and where ops-channel alerts go.
"""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers.site import FixtureSite

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 180


def newswatch(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )
    return proc.returncode, proc.stdout, proc.stderr


SLACK_CONFIG = """\
[service]
data_dir = "data"
ops_channel = "ops"

[[channel]]
name = "deals"
kind = "slack"
token = "env:NW_TEST_SLACK_TOKEN"
channel = "#deals"

[[channel]]
name = "ops"
kind = "slack"
token = "env:NW_TEST_SLACK_TOKEN"
channel = "#ops"

[[source]]
name = "wire"
feed = "https://example.com/feed.xml"
"""


def test_global_options_after_the_subcommand_and_version(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('[[source]]\nname = "wire"\nfeed = "https://example.com/feed.xml"\n')
    code, out, err = newswatch("check-config", "--config", str(config), "-v", cwd=tmp_path)
    assert code == 0, err
    assert f"config OK: {config}" in out
    # Before the subcommand still works, and a nested action takes it too.
    code, out, err = newswatch("--config", str(config), "check-config", cwd=tmp_path)
    assert code == 0 and f"config OK: {config}" in out, err
    code, out, err = newswatch("alerts", "pending", "--config", str(config), cwd=tmp_path)
    assert code == 0 and "no pending deliveries" in out, err
    code, out, err = newswatch("--version", cwd=tmp_path)
    assert code == 0
    assert out.startswith("newswatch ") and out.split()[1][0].isdigit(), out


def test_read_only_commands_need_no_delivery_secrets(tmp_path: Path) -> None:
    (tmp_path / "newswatch.toml").write_text(SLACK_CONFIG)
    env = {k: v for k, v in os.environ.items() if k != "NW_TEST_SLACK_TOKEN"}
    for args in (
        ["status"],
        ["status", "--json"],
        ["matches", "--since", "1d"],
        ["alerts", "pending"],
        ["alerts", "failed"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "scheduler", *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(REPO)},
        )
        assert proc.returncode == 0, (args, proc.stderr)
    # A command that delivers still insists, with the variable's name.
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", "dispatch", "--once"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 1
    assert "NW_TEST_SLACK_TOKEN is not set" in proc.stderr


def test_ops_channel_hears_stories_only_when_a_watchlist_names_it(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.reset()
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "newswatch.toml").write_text(
        f"""\
[service]
data_dir = "data"
ops_channel = "ops"

[crawl]
allow_private = true
download_delay = "1ms"
autothrottle = false
default_max_age = "30d"

[watchlists]
include = ["watchlists/*.toml"]

[[channel]]
name = "deals"
kind = "console"
path = "deals.jsonl"

[[channel]]
name = "ops"
kind = "console"
path = "ops.jsonl"

[[source]]
name = "latest"
feed = "{site.url("feeds/latest.rss.xml")}"
""",
        encoding="utf-8",
    )
    # No watchlist files: the bundled default watchlist, notify = [] ("every channel").
    code, out, err = newswatch("check-config", cwd=tmp_path)
    assert code == 0, err
    assert "all channels but ops (deals)" in out
    assert "warning" not in out
    code, out, err = newswatch("crawl", "--once", cwd=tmp_path)
    assert code == 0, out + err
    code, out, err = newswatch("dispatch", "--once", cwd=tmp_path)
    assert code == 0, err
    deals = [json.loads(line) for line in (tmp_path / "deals.jsonl").read_text().splitlines()]
    assert deals, "the stories reach the deals channel"
    assert not (tmp_path / "ops.jsonl").exists(), (tmp_path / "ops.jsonl").read_text()

    # Naming ops explicitly sends stories there, and check-config says so.
    (tmp_path / "watchlists" / "loud.toml").write_text(
        'name = "loud"\nnotify = ["deals", "ops"]\n\n[[entity]]\nname = "Meta"\n'
    )
    code, out, err = newswatch("check-config", cwd=tmp_path)
    assert code == 0, err
    assert "warning: watchlist 'loud' sends its matches to the ops channel 'ops'" in out


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``newswatch status --json | head -1``: the reader is gone before the writer is done."""
    (tmp_path / "newswatch.toml").write_text(SLACK_CONFIG)
    for args in (["check-config"], ["status", "--json"]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO), "NW_TEST_SLACK_TOKEN": "xoxb-1"},
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # as `head` does once it has its line
        with proc.stderr:
            err = proc.stderr.read().decode()
        proc.wait(timeout=TIMEOUT)
        assert proc.returncode == 141, err
        assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_health_port_taken_is_one_line_naming_the_key(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (tmp_path / "newswatch.toml").write_text(
            f'[service]\ndata_dir = "data"\nhealth_listen = "127.0.0.1:{port}"\n\n'
            '[[source]]\nname = "wire"\nfeed = "https://example.com/feed.xml"\nenabled = false\n'
        )
        code, _out, err = newswatch("run", cwd=tmp_path)
    assert code == 1, err
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("newswatch: error:")]
    assert len(errors) == 1 and "service.health_listen: cannot listen on" in errors[0], err


def crawl_config(tmp_path: Path, sources: str) -> None:
    (tmp_path / "newswatch.toml").write_text(
        '[service]\ndata_dir = "data"\nhealth_listen = ""\n\n'
        '[crawl]\nallow_private = true\ndownload_delay = "1ms"\nautothrottle = false\n'
        f'retries = 0\ndefault_max_age = "30d"\n\n{sources}',
        encoding="utf-8",
    )


def test_crawl_once_fails_when_every_story_fails(site: FixtureSite, tmp_path: Path) -> None:
    site.reset()
    crawl_config(
        tmp_path, f'[[source]]\nname = "gone"\nfeed = "{site.url("feeds/gone.rss.xml")}"\n'
    )
    code, out, err = newswatch("crawl", "--once", cwd=tmp_path)
    assert code == 1, out + err
    assert "failed: 2 request(s)" in out, out


def test_crawl_once_shows_progress_on_a_terminal(site: FixtureSite, tmp_path: Path) -> None:
    site.reset()
    crawl_config(
        tmp_path, f'[[source]]\nname = "latest"\nfeed = "{site.url("feeds/latest.rss.xml")}"\n'
    )
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "crawl", "--once"],
            stdout=subprocess.PIPE,
            stderr=secondary,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        os.close(secondary)
        out, _ = proc.communicate(timeout=TIMEOUT)
        terminal = b""
        while select.select([primary], [], [], 0.5)[0]:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            terminal += chunk
    finally:
        os.close(primary)
    assert proc.returncode == 0, terminal.decode(errors="replace")
    shown = terminal.decode(errors="replace")
    assert "crawling [0/1]" in shown and "waiting for latest" in shown, shown
    assert "crawling [1/1]" in shown, shown
    assert b"latest" in out  # the table itself goes to stdout
