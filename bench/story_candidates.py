"""Candidate story groups in the labelled news of ``../shared/data/eval/``, for labelling by hand.

The headline and body sets report some events several times (one deal in several headlines, a
hire in a news story and in a feature). This script reads both files at run time, matches every
item against the default watchlist, and links two items when their main events name the same
target (same kind), or their titles and leads read alike (estimated Jaccard of 2-gram shingles
at least ``--sim``), or they share kind and actor within a week. It prints each linked group
(ids, dates, titles, events) for a person to read and label: which items are one real-world
event. Labels go into ``bench/data/stories-dev.jsonl`` as ids and our own story names only
(never publishers' texts). Over-linking is the point: a person splits groups, never merges.

Usage: ``python bench/story_candidates.py [--data ../shared/data/eval] [--sim 0.3]``.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.matching import Matcher, load_default_watchlist
from scheduler.story_keys import facts_of, same_name, shingles, signature, similarity

FILES = ("dev-headlines.jsonl", "dev-bodies.jsonl")


def load(data: Path) -> list[dict[str, Any]]:
    items = []
    for name in FILES:
        with open(data / name, encoding="utf-8") as file:
            for line in file:
                if line.strip():
                    row = json.loads(line)
                    row["file"] = name
                    items.append(row)
    return items


def when(value: str) -> datetime | None:
    """An aware time, or None for a bare year ("2023") or nothing."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/eval"))
    parser.add_argument("--sim", type=float, default=0.3)
    args = parser.parse_args()
    items = load(args.data)
    matcher = Matcher([load_default_watchlist().model_copy(update={"min_score": 0.2})])
    facts, sigs = [], []
    for it in items:
        found = matcher.match(it["title"], it.get("text") or "")
        facts.append(facts_of(found, it["title"]))
        sigs.append(signature(shingles(it["title"], it.get("text") or "")))
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            a, b = facts[i], facts[j]
            linked = similarity(sigs[i], sigs[j]) >= args.sim
            if not linked and a is not None and b is not None and a.kind == b.kind:
                linked = same_name(a.target, b.target) or (
                    same_name(a.actor, b.actor) and _close(items[i], items[j])
                )
            if linked:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    for members in sorted(groups.values(), key=len, reverse=True):
        if len(members) < 2:
            continue
        print("--")
        for i in members:
            it, f = items[i], facts[i]
            event = f.headline() if f else "-"
            print(f"{it['id']}\t{it['published'][:10]}\t{it['title'][:90]}\t[{event}]")


def _close(a: dict[str, Any], b: dict[str, Any]) -> bool:
    da, db = when(a["published"]), when(b["published"])
    return da is not None and db is not None and abs((da - db).total_seconds()) <= 7 * 86400


if __name__ == "__main__":
    main()
