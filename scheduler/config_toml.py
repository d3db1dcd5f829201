"""Reading one config TOML file: its text and table, and its ``"env:NAME"`` references resolved.

:func:`read_toml` turns a missing or unreadable file and every TOML syntax error (nesting too
deep included) into a :class:`~scheduler.errors.ConfigError` with the file and, where the parser
tells, the line. :func:`resolve_env` replaces secret references with the values of an
environment mapping handed in (``scheduler.config`` is the only module that reads
``os.environ``); :func:`without_unset_secrets` is the lenient reading for commands that deliver
nothing. Both the main config file and the included watchlist files come through here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scheduler.config_errors import dotted
from scheduler.errors import ConfigError
from scheduler.tomllines import find_line

ENV_PREFIX = "env:"


def read_toml(file: Path) -> tuple[str, dict[str, Any]]:
    """The text of ``file`` and its parsed table; any problem is a :class:`ConfigError`."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=file) from None
    try:
        return text, tomllib.loads(text)
    except RecursionError:
        raise ConfigError(
            "not valid TOML: arrays or tables nested too deeply",
            path=file,
            line=_deepest_line(text),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 has no lineno attribute; the message ends "(at line L, column C)".
        where = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        reason = str(exc)
        line = None
        if where:
            line = int(where.group(1))
            reason = reason[: where.start()].strip() + f" (column {where.group(2)})"
        raise ConfigError(f"not valid TOML: {reason}", path=file, line=line) from None


def _deepest_line(text: str) -> int | None:
    """The line where bracket nesting is deepest (a rough guide: strings are not skipped)."""
    depth, deepest, where = 0, 0, None
    for lineno, line in enumerate(text.splitlines(), start=1):
        for char in line:
            if char in "[{":
                depth += 1
                if depth > deepest:
                    deepest, where = depth, lineno
            elif char in "]}":
                depth -= 1
    return where


def resolve_env(
    value: Any, file: Path, text: str, env: Mapping[str, str], path: tuple[str | int, ...]
) -> Any:
    """Replace every ``"env:NAME"`` string by the variable's value (never logged)."""
    if isinstance(value, dict):
        return {k: resolve_env(v, file, text, env, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_env(v, file, text, env, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX) :].strip()
        if not name:
            raise ConfigError(
                "empty environment variable reference",
                path=file,
                line=find_line(text, path),
                key=dotted(path),
            )
        if name not in env:
            raise ConfigError(
                f"environment variable {name} is not set",
                path=file,
                line=find_line(text, path),
                key=dotted(path),
            )
        return env[name]
    return value


def without_unset_secrets(channel: Any, env: Mapping[str, str]) -> Any:
    """A console stand-in for a channel table that refers to an unset variable.

    Used for ``secrets=False`` (see :func:`scheduler.config.load_config`). Its name stays, so
    watchlist routes and ``ops_channel`` still check out.
    """
    if not isinstance(channel, dict):
        return channel

    def unset(value: Any) -> bool:
        if isinstance(value, dict):
            return any(unset(v) for v in value.values())
        if isinstance(value, list):
            return any(unset(v) for v in value)
        return (
            isinstance(value, str)
            and value.startswith(ENV_PREFIX)
            and value[len(ENV_PREFIX) :].strip() not in env
        )

    if not unset(channel):
        return channel
    return {"name": channel.get("name"), "kind": "console"}
