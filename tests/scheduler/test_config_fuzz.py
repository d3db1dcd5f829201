"""A bounded fuzz of ``newswatch check-config``: generated hostile configs, never a traceback.

Each generated config is a valid base with hostile values swapped in (overflowing and non-finite
durations, deep nesting, deep rules, odd listen addresses, wrong types) or with its text mutated
byte by byte. ``check-config`` must exit 0 or 1, and on 1 print one ``file[:line]: ...`` line.
The seed is fixed, so a failure reproduces.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.cli import main

BASE = """\
[service]
data_dir = "data"
health_listen = "127.0.0.1:0"
dispatch_every = "15s"

[crawl]
allow_private = true
timeout = "30s"
deadline = "5m"

[watchlists]
include = ["watchlists/*.toml"]

[[source]]
name = "feed"
feed = "http://127.0.0.1:1/feed.xml"
every = "5m"
max_age = "2d"

[[channel]]
name = "out"
kind = "console"
"""

WATCHLIST = """\
name = "deals"
min_score = 0.5
topics = ["deal"]
rule = '@entities AND #deal'

[[entity]]
name = "Meta"
aliases = ["Facebook"]
"""

HOSTILE_VALUES = [
    "inf",
    "-inf",
    "nan",
    "1e308",
    "-1",
    "0",
    str(10**30),
    '"inf"',
    '"1e308s"',
    '"0s"',
    '"1ms"',
    '"999999999999999999999d"',
    '""',
    '"x" ',
    "true",
    "[1, 2]",
    "{ a = 1 }",
    "[" * 400 + "]" * 400,
    "[" * 3000 + "]" * 3000,
    "{ a = " * 600 + "1" + " }" * 600,
    '"' + "é" * 5000 + '"',
    '"\\u0000"',
    '"env:NOT_SET_ANYWHERE"',
    '"env:"',
    '"127.0.0.1:99999"',
    '"[::1]:80"',
    '"[nope]:80"',
    '"host name:80"',
    '":80"',
    '"127.0.0.1"',
]
KEYS = [
    ("every", "5m"),
    ("max_age", "2d"),
    ("timeout", "30s"),
    ("deadline", "5m"),
    ("dispatch_every", "15s"),
    ("health_listen", "127.0.0.1:0"),
    ("data_dir", "data"),
]
RULES = [
    "NOT " * 3000 + "x",
    "(" * 3000 + "x" + ")" * 3000,
    "(" * 3000,
    "a AND " * 3000 + "b",
    '"unterminated',
    "@nothing",
    "title:" * 500 + "x",
    "",
]
N_VALUE_CASES = 240
N_MUTATIONS = 160


def _cases() -> list[tuple[str, str, str]]:
    """(label, newswatch.toml text, watchlist text) for every generated config."""
    rng = random.Random(14)
    cases = [("base", BASE, WATCHLIST)]
    for i in range(N_VALUE_CASES):
        key, default = rng.choice(KEYS)
        value = rng.choice(HOSTILE_VALUES)
        cases.append(
            (
                f"value-{i}-{key}",
                BASE.replace(f'{key} = "{default}"', f"{key} = {value}"),
                WATCHLIST,
            )
        )
    for i, rule in enumerate(RULES):
        cases.append((f"rule-{i}", BASE, WATCHLIST.replace("'@entities AND #deal'", repr(rule))))
    for i in range(N_MUTATIONS):
        text = bytearray((BASE if i % 2 else WATCHLIST).encode())
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(text))
            action = rng.random()
            if action < 0.4:
                del text[pos]
            elif action < 0.8:
                text.insert(pos, rng.choice(b'[]{}"=\n.#\\\x00\xff 9e-'))
            else:
                text[pos : pos + 1] = bytes(text[pos : pos + rng.randint(1, 40)]) * rng.randint(
                    2, 50
                )
        mutated = bytes(text).decode("utf-8", errors="replace")
        if i % 2:
            cases.append((f"mutated-{i}", mutated, WATCHLIST))
        else:
            cases.append((f"mutated-{i}", BASE, mutated))
    return cases


def _write(tmp_path: Path, label: str, config: str, watchlist: str) -> Path:
    folder = tmp_path / label
    (folder / "watchlists").mkdir(parents=True)
    (folder / "watchlists" / "deals.toml").write_text(watchlist, encoding="utf-8")
    path = folder / "newswatch.toml"
    path.write_text(config, encoding="utf-8")
    return path


@pytest.mark.timeout(240)
def test_check_config_never_gives_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _cases()
    outcomes = {0: 0, 1: 0}
    for label, config, watchlist in cases:
        path = _write(tmp_path, label, config, watchlist)
        code = main(["--config", str(path), "check-config"])  # an exception here fails the test
        out, err = capsys.readouterr()
        assert code in (0, 1), (label, code, out, err)
        assert "Traceback" not in out + err, (label, err)
        outcomes[code] += 1
        if code == 1:
            # One line per problem, each naming the file.
            lines = err.strip().splitlines()
            assert lines, (label, err)
            assert all(line.startswith(f"newswatch: error: {path.parent}") for line in lines), (
                label,
                err,
            )
    assert outcomes[0] >= 1 and outcomes[1] >= len(cases) // 2, outcomes
    assert len(cases) == 1 + N_VALUE_CASES + len(RULES) + N_MUTATIONS


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("every", "inf", "a duration must be a finite number"),
        ("every", "1e308", "a duration must be at most 3650d"),
        ("every", '"10s"', "'every' must be at least 1m"),
        ("dispatch_every", '"1ms"', "must be at least 1s"),
        ("health_listen", '"127.0.0.1:99999"', "port from 0 to 65535"),
        ("data_dir", "[" * 3000 + "]" * 3000, "nested too deeply"),
    ],
)
def test_hostile_values_are_one_clear_line_from_the_real_command(
    tmp_path: Path, key: str, value: str, reason: str
) -> None:
    default = dict(KEYS)[key]
    config = BASE.replace(f'{key} = "{default}"', f"{key} = {value}")
    if key == "every":
        config = config.replace("http://127.0.0.1:1/", "https://news.example.com/")
    path = _write(tmp_path, key, config, WATCHLIST)
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(path), "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and reason in proc.stderr, proc.stderr
    assert f"{path}:" in proc.stderr


def test_a_rule_nested_too_deeply_names_the_watchlist_file_and_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "deep",
        BASE,
        WATCHLIST.replace("'@entities AND #deal'", repr("NOT " * 3000 + "x")),
    )
    code = main(["--config", str(path), "check-config"])
    assert code == 1


async def test_live_reload_rejects_any_broken_edit_and_keeps_watching(tmp_path: Path) -> None:
    import asyncio

    from scheduler.config import load_config
    from scheduler.daemon import Service

    path = _write(tmp_path, "live", BASE, WATCHLIST)
    service = Service(load_config(path), config_poll=0.02)
    applied: list[str] = []
    service._apply = lambda new, matcher=None: applied.append(new.sources[0].every.__str__())  # type: ignore[method-assign]
    watcher = asyncio.ensure_future(service._watch_config())
    try:
        for broken in ("inf", "1e308", "[" * 3000 + "]" * 3000):
            service._rejected_edits.reset()
            path.write_text(BASE.replace('every = "5m"', f"every = {broken}"), encoding="utf-8")
            for _ in range(500):
                await asyncio.sleep(0.02)
                if service._rejected_edits.last:
                    break
            assert service._rejected_edits.last is not None
            assert str(path) in service._rejected_edits.last
        path.write_text(BASE.replace('every = "5m"', 'every = "7m"'), encoding="utf-8")
        for _ in range(500):
            await asyncio.sleep(0.02)
            if applied:
                break
        assert applied == ["0:07:00"]
        assert not watcher.done()
    finally:
        watcher.cancel()
