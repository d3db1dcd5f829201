"""Turning pydantic's validation errors into ``file:line: key: reason`` lines.

Every problem pydantic finds in one file is reported, not only the first: a user fixing a config
should see all its mistakes at once, each with its own line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.errors import ConfigError
from scheduler.tomllines import find_line

if TYPE_CHECKING:
    # Only a type here: reading a config file (config_toml) must not import pydantic.
    from pydantic import ValidationError


def config_error(
    exc: ValidationError, file: Path, text: str, prefix: tuple[str | int, ...] = ()
) -> ConfigError:
    """One :class:`ConfigError` for pydantic's first error, carrying the others in ``more``."""
    problems = [_problem(err, file, text, prefix) for err in exc.errors(include_url=False)]
    first, *rest = problems
    first.more = tuple(rest)
    return first


def _problem(err: object, file: Path, text: str, prefix: tuple[str | int, ...]) -> ConfigError:
    assert isinstance(err, dict)
    loc: tuple[str | int, ...] = (*prefix, *toml_loc(tuple(err["loc"])))
    reason = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        reason = "unknown key"
    elif err["type"] == "missing":
        reason = "required key is missing"
    return ConfigError(reason, path=file, line=find_line(text, loc), key=dotted(loc))


def toml_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Map pydantic's location to the TOML key path (``sources`` is ``[[source]]`` in the file)."""
    names = {"sources": "source", "channels": "channel"}
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if i == 0 and isinstance(part, str):
            out.append(names.get(part, part))
        elif isinstance(part, str) and part in {"slack", "email", "webhook", "console"} and i == 2:
            continue  # the discriminated-union tag pydantic inserts
        else:
            out.append(part)
    return tuple(out)


def dotted(path: tuple[str | int, ...]) -> str:
    """``("source", 0, "name")`` as ``source[0].name``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
