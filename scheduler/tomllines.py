"""Find the line of a key path in a TOML file, so config errors can say ``file:line``.

``tomllib`` keeps no positions, so after validation fails on a key path such as
``("source", 2, "every")`` we scan the text: table headers (``[a.b]``, ``[[a]]``) set the current
path, and ``key = value`` lines extend it. Good enough for the files people write by hand; when a
path cannot be found we fall back to the nearest table header, then to no line at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")

PathItem = str | int


def _split_key(raw: str) -> list[str]:
    parts = []
    for part in re.findall(r"""("[^"]*"|'[^']*'|[^.]+)""", raw):
        parts.append(part.strip().strip("\"'"))
    return parts


def find_line(text: str, path: Sequence[PathItem]) -> int | None:
    """Return the 1-based line where ``path`` is defined in ``text``, or the closest parent's."""
    want = [str(p) for p in path]
    counters: dict[tuple[str, ...], int] = {}
    table: list[str] = []
    best: tuple[int, int] | None = None  # (matched prefix length, line)
    in_multiline = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        # Skip the inside of multi-line strings: their lines are not keys.
        if in_multiline:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = False
            continue
        header = _HEADER.match(line)
        if header:
            names = _split_key(header.group(2))
            if header.group(1) == "[[":
                key = tuple(names)
                index = counters.get(key, -1) + 1
                counters[key] = index
                table = [*names, str(index)]
            else:
                table = names
            best = _better(best, _prefix(table, want), lineno)
            continue
        key_match = _KEY.match(line)
        if key_match:
            full = table + _split_key(key_match.group(1))
            best = _better(best, _prefix(full, want), lineno)
            rest = line[key_match.end() :]
            if rest.count('"""') % 2 == 1 or rest.count("'''") % 2 == 1:
                in_multiline = True
    if best is None or best[0] == 0:
        return None
    return best[1]


def _prefix(have: list[str], want: list[str]) -> int:
    """Length of the common prefix, or 0 when ``have`` goes somewhere ``want`` does not."""
    n = 0
    for a, b in zip(have, want, strict=False):
        if a != b:
            return 0
        n += 1
    return n if n == len(have) else 0


def _better(best: tuple[int, int] | None, score: int, lineno: int) -> tuple[int, int] | None:
    if score and (best is None or score > best[0]):
        return (score, lineno)
    return best
