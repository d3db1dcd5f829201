"""Durations as written in config files (``90s``, ``5m``, ``1h``, ``7d``) and back.

Plain functions with no pydantic in them: the config models validate with them
(:mod:`crawler.sources` re-exports them), and so do the read-only commands, which read the
few keys they show without importing pydantic.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Longer than anything a news service schedules, and far below timedelta's own overflow.
MAX_DURATION = timedelta(days=3650)


def parse_duration(value: Any) -> timedelta:
    """Parse ``90s``, ``5m``, ``1h``, ``7d`` (or a number of seconds) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like '90s', '5m' or '1h', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    else:
        raise ValueError(f"expected a duration like '90s', '5m' or '1h', got {value!r}")
    if not math.isfinite(seconds):
        raise ValueError(f"a duration must be a finite number, got {value!r}")
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, got {value!r}")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"a duration must be at most 3650d, got {value!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta | float, *, exact: bool = True) -> str:
    """``300`` -> ``5m``: the largest unit that divides the duration evenly, else seconds.

    With ``exact=False`` the largest unit that fits is used and the rest dropped (``3h`` for
    3h 12m), for durations measured rather than configured.
    """
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and (not exact or seconds % size == 0):
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s" if exact else f"{int(seconds)}s"
