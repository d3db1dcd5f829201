"""The ``newswatch`` subcommands, one module each.

Each module exposes ``register(subparsers)``, which adds its parser and sets ``func`` to a function
``(args) -> int`` (the exit code). :mod:`scheduler.cli` lists the modules explicitly.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_since(value: str) -> datetime:
    """``--since 24h`` -> the moment that long ago; a bad value is a clear error."""
    from crawler.sources import parse_duration
    from scheduler.errors import ConfigError

    try:
        return datetime.now(UTC) - parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"--since: {exc}") from None
