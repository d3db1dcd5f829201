"""Ctrl-C as a terminal sends it: SIGINT to the whole process group of a running ``newswatch``.

``crawl --once`` stops within seconds with a partial summary and exit 130; ``run`` shuts down
cleanly (no traceback from the extraction pool's workers, which share the process group); a second
SIGINT forces the exit at once. The waits are timeouts, not measurements: the slow route would
keep a crawl busy for far longer than any of them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crawler.reactor import REPEAT_SIGNAL_WINDOW
from scheduler.config import load_config
from scheduler.store import open_store
from tests.servers.site import FixtureSite

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
# The bound: Ctrl-C ends a crawl within 5 s. Generous margin for a loaded machine; the
# slow route holds its answer for 60 s, so exiting at all before it shows the interrupt worked.
EXIT_TIMEOUT = 20.0


def write_config(root: Path, sources: str, *, service: str = "") -> Path:
    path = root / "newswatch.toml"
    path.write_text(
        f"""\
[service]
data_dir = "data"
health_listen = ""
shutdown_grace = "60s"
{service}

[crawl]
allow_private = true
download_delay = "1ms"
autothrottle = false
timeout = "120s"
retries = 0
default_max_age = "30d"

{sources}
""",
        encoding="utf-8",
    )
    return path


def feed(name: str, url: str, every: str = "1h") -> str:
    return f'[[source]]\nname = "{name}"\nfeed = "{url}"\nevery = "{every}"\n'


def start(config: Path, *args: str, log: Path) -> subprocess.Popen[bytes]:
    """``newswatch ARGS`` in a process group of its own, as a shell runs a foreground job."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "scheduler", *args, "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=out,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            cwd=config.parent,
            start_new_session=True,
        )


def ctrl_c(proc: subprocess.Popen[bytes]) -> None:
    """What the terminal does on Ctrl-C: SIGINT to every process of the foreground group."""
    os.killpg(proc.pid, signal.SIGINT)


def wait_for(what: str, predicate: Callable[[], Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def finish(proc: subprocess.Popen[bytes], timeout: float = EXIT_TIMEOUT) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"still running {timeout:g}s after Ctrl-C") from None
    return proc.returncode, out.decode()


def test_ctrl_c_ends_crawl_once_with_a_partial_summary(site: FixtureSite, tmp_path: Path) -> None:
    site.reset()
    sources = feed("latest", site.url("feeds/latest.rss.xml")) + feed(
        "slow", site.url("slow?seconds=60")
    )
    config = write_config(tmp_path, sources)
    log = tmp_path / "crawl.log"
    proc = start(config, "crawl", "--once", "--json", log=log)
    try:
        wait_for("the slow fetch", lambda: any(p.startswith("/slow") for p in site.paths()))
        ctrl_c(proc)
        code, out = finish(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = log.read_text(errors="replace")
    assert code == 130, err
    assert "Traceback" not in err, err
    summary = json.loads(out)
    assert set(summary) == {"latest", "slow"}
    assert summary["slow"]["error"] == "interrupted before the crawl finished"
    # The interrupted run is recorded (status must not say "never crawled") but is not a failure.
    store = open_store(load_config(config).database_url)
    try:
        states = {s.name: s for s in store.list_source_states()}
    finally:
        store.close()
    assert states["slow"].last_run is not None
    assert states["slow"].consecutive_failures == 0


def test_second_ctrl_c_forces_crawl_once_out(site: FixtureSite, tmp_path: Path) -> None:
    site.reset()
    config = write_config(tmp_path, feed("slow", site.url("slow?seconds=60")))
    log = tmp_path / "crawl.log"
    proc = start(config, "crawl", "--once", log=log)
    try:
        wait_for("the slow fetch", lambda: any(p.startswith("/slow") for p in site.paths()))
        ctrl_c(proc)
        # A second press, not the first one seen twice: wait until the first was handled (a loaded
        # machine can handle it late), then for longer than the window that folds repeats.
        wait_for("the first press", lambda: "stopping the crawl" in log.read_text(errors="replace"))
        time.sleep(REPEAT_SIGNAL_WINDOW * 2)
        ctrl_c(proc)
        code, _out = finish(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = log.read_text(errors="replace")
    assert code == 130, err
    assert "Traceback" not in err, err


def test_ctrl_c_stops_the_service_cleanly_and_a_second_one_at_once(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.reset()
    # "latest" brings articles through the extraction pool first, so its workers exist and
    # share the process group; "slow" then holds a crawl open through the grace period.
    sources = feed("latest", site.url("feeds/latest.rss.xml"), every="1h")
    config = write_config(tmp_path, sources)
    log = tmp_path / "service.log"
    proc = start(config, "run", log=log)
    try:
        wait_for("the first crawl", lambda: "crawled latest" in log.read_text(errors="replace"))
        ctrl_c(proc)
        code, _out = finish(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log.read_text(errors="replace")
    assert code == 0, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    assert "newswatch stopped" in text
    # One line for the crawl, one per delivered alert (the default console channel).
    assert text.count("crawled latest") == 1, text
    assert "delivered alert #" in text, text

    # Now with a crawl that would hold the 60 s grace period: the second Ctrl-C cuts it.
    site.reset()
    config.write_text(config.read_text() + feed("slow", site.url("slow?seconds=60")))
    proc = start(config, "run", log=log)
    try:
        wait_for("the slow fetch", lambda: any(p.startswith("/slow") for p in site.paths()))
        ctrl_c(proc)
        wait_for("the grace period", lambda: "waiting up to" in log.read_text(errors="replace"))
        time.sleep(REPEAT_SIGNAL_WINDOW * 2)
        ctrl_c(proc)
        code, _out = finish(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log.read_text(errors="replace")
    assert code == 130, text[-3000:]
    assert "exiting now" in text
    assert "Traceback" not in text, text[-3000:]
