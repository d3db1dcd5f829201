"""``newswatch check-config``: validate the config and print a summary; exit 1 on error.

It checks what ``run`` would do with the file: loading and validating it, and compiling the
watchlists into the matcher's automaton. Every failure is one ``file:line: key: reason`` line,
never a traceback, whatever the file holds.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.config_view import ConfigView


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-config",
        description="Validate the config (and included watchlists); exit code 1 on error.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # The compiler, not the whole matcher: compiling the watchlists into the automaton is what
    # can fail on a config; the story reading and the scoring model are the same for every one.
    from crawler.matching.compiler import compile_watchlists
    from scheduler.config import load_config
    from scheduler.config_view import ConfigView
    from scheduler.errors import ConfigError

    config = load_config(args.config)
    try:
        compile_watchlists(config.watchlists)
    except Exception as exc:  # RecursionError, a rule the matcher cannot compile, ...
        raise ConfigError(
            f"the watchlists cannot be compiled: {type(exc).__name__}: {exc}", path=config.path
        ) from None
    print(describe(ConfigView.of(config)))
    for warning in config.warnings():
        print(f"warning: {warning}")
    return 0


def describe(config: ConfigView, *, checked: bool = True) -> str:
    """A short human summary of a loaded config (also used by ``newswatch status``).

    ``checked``: the whole file was validated. ``status`` reads only the keys it shows (see
    :mod:`scheduler.config_view`), so it must not call the file OK.
    """
    from crawler.durations import format_duration
    from scheduler.store.dburl import redact_db_url as redact_url

    where = "bundled example" if config.bundled else str(config.path)
    header = f"config OK: {where}" if checked else f"config: {where} (check-config validates all)"
    lines = [header, f"database: {redact_url(config.database_url)}"]
    enabled = [s for s in config.sources if s.enabled]
    lines.append(f"sources: {len(config.sources)} ({len(enabled)} enabled)")
    for s in config.sources:
        every = format_duration(s.every)
        state = "" if s.enabled else "  (disabled)"
        lines.append(f"  {s.name:<24} {s.kind:<8} every {every:<5} {s.url}{state}")
    lines.append(f"watchlists: {len(config.watchlists)}")
    ops = config.ops_channel
    routes = config.routes()
    for w in config.watchlists:
        if w.notify:
            notify = ", ".join(w.notify)
        elif ops and ops in {c.name for c in config.channels}:
            notify = f"all channels but ops ({', '.join(routes[w.name]) or 'none'})"
        else:
            notify = "all channels"
        lines.append(f"  {w.name:<24} -> {notify}")
    lines.append(f"channels: {len(config.channels)}")
    for c in config.channels:
        role = "  (ops: failing sources, rejected edits)" if c.name == ops else ""
        lines.append(f"  {c.name:<24} {c.kind}{role}")
    return "\n".join(lines)
