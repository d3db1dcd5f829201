"""``newswatch init [DIR]``: write a commented example config and a watchlist folder.

The files work as they are: the example sources are real tech-news feeds and the watchlist is the
bundled default, copied so the user can read and edit it. Existing files are never overwritten.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

_RUBRIC_POINTER = re.compile(r" ?\(see [^()]*RUBRIC\.md[^()]*\)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init",
        description="Write newswatch.toml and watchlists/ai-talent-and-deals.toml into DIR.",
    )
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR", help="default: .")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Only path constants are needed: importing them validates nothing.
    from crawler.matching.watchlist import default_watchlist_path
    from scheduler.config import DEFAULT_CONFIG_NAME, EXAMPLE_DIR

    target = Path(args.dir)
    target.mkdir(parents=True, exist_ok=True)
    files = {
        target / DEFAULT_CONFIG_NAME: EXAMPLE_DIR / DEFAULT_CONFIG_NAME,
        target / "watchlists" / "ai-talent-and-deals.toml": default_watchlist_path(),
    }
    for dest, src in files.items():
        if dest.exists():
            print(f"kept     {dest} (already exists)")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        # The bundled watchlist's comments cite the project's labelling rubric, which a user's
        # copy has no path to: drop that pointer, keep the definitions.
        text = _RUBRIC_POINTER.sub("", src.read_text(encoding="utf-8"))
        dest.write_text(text, encoding="utf-8")
        print(f"wrote    {dest}")
    print(f"next: newswatch --config {target / DEFAULT_CONFIG_NAME} check-config")
    return 0
