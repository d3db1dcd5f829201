"""Commands that do not crawl or match stay light: run as a user runs them, in a fresh interpreter
on a real config and SQLite store, none of them may import Scrapy, Twisted or the matcher.

This is a behavioural check (which modules a command loads), not a timing test: the CPU cost
follows from it and is measured by ``bench/cli.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.article_store import ArticleRecord
from crawler.fingerprint import content_hash, simhash
from scheduler.cli import main
from scheduler.store import open_store
from tests.scheduler.test_commands import HIRE, WATCHLIST

# Every test here runs the command line as a child process.
pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]

# Runs the real command line, then reports every module the interpreter loaded, as the last line
# of stderr (``--help`` and ``--version`` end in SystemExit, which is caught here).
WRAPPER = """\
import json, sys
from scheduler.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""

# The crawler's framework, and the matcher with its automaton (the plain types in
# crawler.matching.types and the watchlist model the config validates are allowed).
FORBIDDEN = (
    "scrapy",
    "twisted",
    "crawler.matching.matcher",
    "crawler.matching.compiler",
    "crawler.matching.scan",
    "crawler.matching.story",
    "ahocorasick",
)
# ``--help`` reads no config and no store at all.
FORBIDDEN_FOR_HELP = (*FORBIDDEN, "sqlalchemy", "pydantic", "httpx")
# ``status``, ``matches`` and ``mutes`` read the config's view and the database through plain
# DB-API: neither the SQLAlchemy store nor pydantic's validation (a plainly valid config needs
# none).
FORBIDDEN_FOR_VIEWS = (*FORBIDDEN, "sqlalchemy", "pydantic", "httpx")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config with one watchlist and a SQLite store holding one matched article."""
    root = tmp_path_factory.mktemp("cli")
    (root / "watchlists").mkdir()
    (root / "watchlists" / "deals.toml").write_text(WATCHLIST)
    db_url = f"sqlite:///{root / 'newswatch.db'}"
    # health_listen off: the status command must not probe a port another test may hold.
    (root / "newswatch.toml").write_text(
        f'[service]\ndatabase_url = "{db_url}"\nhealth_listen = ""\n\n'
        '[watchlists]\ninclude = ["watchlists/*.toml"]\n\n'
        '[[source]]\nname = "wire"\nfeed = "https://example.com/feed.xml"\n'
    )
    store = open_store(db_url)
    try:
        store.save_article(
            ArticleRecord(
                source="wire",
                url="https://example.com/meta-scale",
                fetched_url="https://example.com/meta-scale",
                title="Meta hires Scale AI's CEO",
                text=HIRE,
                fingerprint=simhash(HIRE),
                content_hash=content_hash(HIRE),
                published=None,
            ),
            [],
            {},
        )
    finally:
        store.close()
    # Matched in this process (the matcher may load here): the subprocesses then list a real row.
    assert main(["--config", str(root / "newswatch.toml"), "rematch", "--since", "1d"]) == 0
    return root


def run_cli(workdir: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(REPO), "NEWSWATCH_CONFIG": ""},
    )
    last = proc.stderr.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith("MODULES "), proc.stderr
    return proc, set(json.loads(last.removeprefix("MODULES ")))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (a package counts with its submodules) are among ``modules``."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize("args", [["--help"], ["--version"], []], ids=["help", "version", "bare"])
def test_help_loads_no_command_config_or_store(workdir: Path, args: list[str]) -> None:
    proc, modules = run_cli(workdir, *args)
    assert "newswatch" in proc.stdout
    assert loaded(modules, FORBIDDEN_FOR_HELP) == []
    # The listing still names every command, with its help.
    if args == ["--help"]:
        assert "status       show source health" in proc.stdout
        assert "matches      list recent matches" in proc.stdout


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["status"], "wire"),
        (["status", "--json"], '"never crawled"'),
        (["matches", "--since", "1d"], "[deals]"),
        (["matches", "--since", "1d", "--json"], '"watchlist": "deals"'),
        (["alerts", "pending"], ""),
        (["alerts", "failed", "--json"], '"deliveries"'),
        (["status", "--help"], "--json"),
        (["mutes"], "no mutes or snoozes in force"),
        (["mutes", "--json"], '"holds": []'),
        (["db", "current"], "up to date"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_read_only_commands_load_no_crawler_and_no_matcher(
    workdir: Path, args: list[str], expect: str
) -> None:
    proc, modules = run_cli(workdir, "--config", str(workdir / "newswatch.toml"), *args)
    assert proc.returncode == 0, proc.stderr
    assert expect in proc.stdout, proc.stdout
    assert loaded(modules, FORBIDDEN) == [], "a read-only command imported the crawler or matcher"
    if args[0] in ("status", "matches", "mutes"):
        assert loaded(modules, FORBIDDEN_FOR_VIEWS) == [], f"{args[0]} imported the store"


def test_status_and_matches_still_give_the_full_configs_error(workdir: Path) -> None:
    """The light path steps aside on a bad key it reads: the full reading names file and line."""
    bad = workdir / "bad.toml"
    text = (workdir / "newswatch.toml").read_text()
    bad.write_text(text.replace('name = "wire"', 'name = "wire"\nevery = "soon"'))
    for args in (["status"], ["matches"]):
        proc, modules = run_cli(workdir, "--config", str(bad), *args)
        assert proc.returncode == 1
        assert f"newswatch: error: {bad}:" in proc.stderr and "every" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
        assert "pydantic" in modules  # it is the full reading that said so
        assert loaded(modules, ("sqlalchemy",)) == []


def test_check_config_compiles_the_watchlists_without_the_rest_of_the_matcher(
    workdir: Path,
) -> None:
    proc, modules = run_cli(workdir, "--config", str(workdir / "newswatch.toml"), "check-config")
    assert proc.returncode == 0, proc.stderr
    assert "config OK" in proc.stdout
    assert "crawler.matching.compiler" in modules  # it does compile them
    reading = ("crawler.matching.matcher", "crawler.matching.story", "crawler.matching.scoring")
    assert loaded(modules, ("scrapy", "twisted", *reading)) == []


def test_init_writes_files_without_the_matcher(tmp_path: Path) -> None:
    proc, modules = run_cli(tmp_path, "init", str(tmp_path / "new"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "new" / "watchlists" / "ai-talent-and-deals.toml").is_file()
    assert loaded(modules, FORBIDDEN) == []


def test_a_crawling_command_still_finds_its_modules(workdir: Path) -> None:
    """The check above can fail: ``match`` does load the matcher (so the wrapper sees imports)."""
    proc, modules = run_cli(workdir, "match", "--text", HIRE)
    assert proc.returncode == 0, proc.stderr
    assert "crawler.matching.matcher" in modules


def test_status_does_not_call_a_config_it_read_only_in_part_ok(workdir: Path) -> None:
    """A bad key status does not read passes its light path, so status must not say "OK"."""
    bad = workdir / "bad.toml"
    text = (workdir / "newswatch.toml").read_text()
    bad.write_text(f"[crawl]\nmax_size = -1\n\n{text}")
    proc, _ = run_cli(workdir, "--config", str(bad), "status")
    assert proc.returncode == 0, proc.stderr
    assert "config OK" not in proc.stdout
    assert f"config: {bad} (check-config validates all)" in proc.stdout
    proc, _ = run_cli(workdir, "--config", str(bad), "check-config")
    assert proc.returncode == 1 and "max_size" in proc.stderr, proc.stderr
