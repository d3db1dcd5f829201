"""Benchmark of the command line's start-up: CPU seconds of ``newswatch --help``, ``status``,
``matches`` and ``mutes`` against ``python -c pass`` in the same run, printed as JSON.

Each command runs as a whole child process (the real ``python -m scheduler``), in turn with the
anchor, ``--runs`` times after one warm-up; a run's CPU is the user + system time the kernel
accounts to that finished child (``resource.getrusage(RUSAGE_CHILDREN)`` before and after). The
figures are the minimum and median of each, and the median of the per-run ratio to the anchor
run next to it, so a drift of the shared machine's speed cancels out.

The config and SQLite store are built in a temporary folder: the bundled default watchlist, one
feed source, ``health_listen`` off (``status`` would otherwise wait on a port), and a few hundred
stored articles with matches, so ``matches`` has rows to print. Two floors are measured the same
way: importing SQLAlchemy (the store) and SQLAlchemy + pydantic (the config's validation), which
a command that reads the full config and the store pays before doing anything; ``status`` and
``matches`` read neither (``scheduler/config_view.py``, ``scheduler/store/readonly.py``), so
these floors are what they no longer pay.
``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment: an installed package runs
from cached bytecode, and the warm-up writes that cache for the source tree.

Usage: ``python bench/cli.py [--runs N] [--articles N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TARGET_CPU_S = 0.15  # issue 11: --help, status and matches (and mutes) each at most this here


def child_cpu(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one finished child process running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def prepare(root: Path, articles: int) -> Path:
    """A config and a SQLite store with ``articles`` stored articles, a third of them matched."""
    from crawler.article_store import ArticleRecord
    from crawler.fingerprint import content_hash, simhash
    from crawler.matching.types import Evidence, Match
    from scheduler.store import open_store

    config = root / "newswatch.toml"
    db_url = f"sqlite:///{root / 'newswatch.db'}"
    config.write_text(
        f'[service]\ndatabase_url = "{db_url}"\nhealth_listen = ""\n\n'
        '[[source]]\nname = "wire"\nfeed = "https://example.com/feed.xml"\n',
        encoding="utf-8",
    )
    store = open_store(db_url)
    now = datetime.now(UTC)
    try:
        for i in range(articles):
            text = (
                f"Story {i}: Meta hires a researcher from OpenAI to lead its AI lab, sources say."
            )
            matches = []
            if i % 3 == 0:
                matches = [
                    Match(
                        watchlist="ai-talent-and-deals",
                        score=0.8,
                        kind="hiring",
                        evidence=(Evidence(text=text, spans=((0, 4),)),),
                    )
                ]
            store.save_article(
                ArticleRecord(
                    source="wire",
                    url=f"https://example.com/story/{i}",
                    fetched_url=f"https://example.com/story/{i}",
                    title=f"Story {i}",
                    text=text,
                    fingerprint=simhash(text + str(i * 7919)),
                    content_hash=content_hash(text),
                    published=now - timedelta(minutes=i),
                ),
                matches,
                {},
            )
    finally:
        store.close()
    return config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="counted runs of each command")
    parser.add_argument("--articles", type=int, default=300, help="stored articles")
    args = parser.parse_args(argv)

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(REPO)
    env.pop("NEWSWATCH_CONFIG", None)
    python = sys.executable
    anchor = [python, "-c", "pass"]
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-cli-") as tmp:
        root = Path(tmp)
        config = str(prepare(root, args.articles))
        commands = {
            "help": [python, "-m", "scheduler", "--help"],
            "status": [python, "-m", "scheduler", "--config", config, "status"],
            "matches": [python, "-m", "scheduler", "--config", config, "matches", "--since", "7d"],
            "mutes": [python, "-m", "scheduler", "--config", config, "mutes"],
            # Floors, not commands: what the store's and the config's libraries cost to import.
            "floor_import_sqlalchemy": [python, "-c", "import sqlalchemy"],
            "floor_import_sqlalchemy_pydantic": [python, "-c", "import sqlalchemy, pydantic.main"],
        }
        results: dict[str, Any] = {}
        anchors: list[float] = []
        for name, cmd in commands.items():
            child_cpu(cmd, root, env)  # warm-up: bytecode cache, page cache
            child_cpu(anchor, root, env)
            cpu, ratio = [], []
            for _ in range(args.runs):
                a = child_cpu(cmd, root, env)
                b = child_cpu(anchor, root, env)
                cpu.append(a)
                anchors.append(b)
                ratio.append(a / b if b > 0 else float("inf"))
            results[name] = {
                "cpu_s_min": round(min(cpu), 4),
                "cpu_s_median": round(statistics.median(cpu), 4),
                "ratio_to_anchor_median": round(statistics.median(ratio), 2),
            }
            if not name.startswith("floor_"):
                results[name]["meets_target"] = statistics.median(cpu) <= TARGET_CPU_S
    print(
        json.dumps(
            {
                "runs": args.runs,
                "stored_articles": args.articles,
                "anchor": {
                    "command": "python -c pass",
                    "cpu_s_min": round(min(anchors), 4),
                    "cpu_s_median": round(statistics.median(anchors), 4),
                },
                "commands": results,
                "targets": {"cpu_s_each": TARGET_CPU_S},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
