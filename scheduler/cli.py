"""The ``newswatch`` command line: one parser, one module per subcommand.

Subcommands live in :mod:`scheduler.commands`; this module only wires them, sets up logging and
turns a :class:`scheduler.errors.NewswatchError` into one clear line and exit code 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import Any

# Explicit registry: a subcommand exists because it is listed here, not because a file does.
COMMAND_MODULES = (
    "scheduler.commands.init",
    "scheduler.commands.check_config",
    "scheduler.commands.crawl",
    "scheduler.commands.extract",
    "scheduler.commands.match",
    "scheduler.commands.eval",
    "scheduler.commands.eval_stories",
    "scheduler.commands.rematch",
    "scheduler.commands.alerts",
    "scheduler.commands.dispatch",
    "scheduler.commands.run",
    "scheduler.commands.status",
    "scheduler.commands.matches",
    "scheduler.commands.stories",
    "scheduler.commands.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newswatch",
        description="Watch tech news and alert your team when a story matters.",
    )
    parser.add_argument("--version", action="version", version=f"newswatch {version()}")
    _add_global_options(parser, default=None)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a subcommand still being built
        module.register(subparsers)
    for sub in _subparsers(parser):
        # After the subcommand too (``newswatch check-config --config FILE``). SUPPRESS keeps a
        # value given before the subcommand when it is not repeated after it.
        _add_global_options(sub, default=argparse.SUPPRESS)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: $NEWSWATCH_CONFIG, then ./newswatch.toml)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if default is None else default,
        help="debug logging",
    )


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every subcommand's parser, nested ones (``alerts pending``) included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                yield sub
                yield from _subparsers(sub)


def version() -> str:
    """The installed distribution's version (the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("newswatch")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from scheduler.logs import setup_logging

    setup_logging(verbose=args.verbose, json_format=getattr(args, "log_json", False))
    from scheduler.errors import NewswatchError

    try:
        code: int = args.func(args)
        sys.stdout.flush()  # here, so a closed pipe is caught below and not at exit
    except NewswatchError as exc:
        for line in str(exc).splitlines():  # a config may have several problems, one a line
            print(f"newswatch: error: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as cat does.
        _discard_stdout()
        return 128 + signal.SIGPIPE
    return code


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
