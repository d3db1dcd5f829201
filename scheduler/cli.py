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
# The one-line help lives here, so that ``newswatch --help`` lists every command without importing
# any of them; only the command being run is imported (and registers its full parser).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("scheduler.commands.init", "write an example config and watchlist folder"),
    "check-config": ("scheduler.commands.check_config", "validate the config and print a summary"),
    "crawl": ("scheduler.commands.crawl", "crawl sources once and print what was found"),
    "extract": (
        "scheduler.commands.extract",
        "extract article fields from HTML files or URLs (JSON lines)",
    ),
    "match": (
        "scheduler.commands.match",
        "run the watchlists on one article and show why it matches (or not)",
    ),
    "eval": (
        "scheduler.commands.eval",
        "precision / recall of the watchlists on labelled JSON lines",
    ),
    "eval-stories": (
        "scheduler.commands.eval_stories",
        "B-cubed precision / recall of story clustering on labelled articles",
    ),
    "rematch": (
        "scheduler.commands.rematch",
        "match stored articles against the current watchlists again",
    ),
    "alerts": ("scheduler.commands.alerts", "test channels and inspect the alert outbox"),
    "dispatch": ("scheduler.commands.dispatch", "deliver pending alerts from the outbox"),
    "run": ("scheduler.commands.run", "run the service (crawl on schedule, match, alert)"),
    "status": (
        "scheduler.commands.status",
        "show source health, the outbox and the config in force",
    ),
    "matches": ("scheduler.commands.matches", "list recent matches with their evidence"),
    "stories": ("scheduler.commands.stories", "list recent stories with their outlets"),
    "mutes": ("scheduler.commands.mutes", "list readers' mutes and snoozes in force"),
    "unmute": ("scheduler.commands.unmute", "lift a mute or snooze now"),
    "feedback": (
        "scheduler.commands.feedback",
        "export readers' labels as JSON lines for `newswatch eval`",
    ),
    "db": (
        "scheduler.commands.db",
        "upgrade the database schema to this version, or show its revision",
    ),
    "demo": (
        "scheduler.commands.demo",
        "run the whole path offline against a bundled snapshot site",
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser with ``command``'s full sub-parser, or with no command a stub for
    every command.

    A stub takes no arguments of its own (no ``-h``, no ``--config``): it names the command in the
    listing and lets :func:`main` find out which command to load, whatever follows it being left
    over in that first pass. The second pass needs only the command's own parser. Building no
    more parsers than that matters: each costs a little, and ``status`` is meant to be cheap.
    """
    parser = argparse.ArgumentParser(
        prog="newswatch",
        description="Watch tech news and alert your team when a story matters.",
    )
    parser.add_argument("--version", action=_VersionAction)
    _add_global_options(parser, default=None)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command is None:
        for name, (_, help_text) in COMMANDS.items():
            subparsers.add_parser(name, help=help_text, add_help=False)
        return parser
    # The command's own parser (with its ``-h``); the listing is only printed from the first,
    # all-stubs pass, so it needs no help text here.
    importlib.import_module(COMMANDS[command][0]).register(subparsers)
    for sub in _subparsers(parser):
        # After the subcommand too (``newswatch check-config --config FILE``). SUPPRESS keeps a
        # value given before the subcommand when it is not repeated after it.
        _add_global_options(sub, default=argparse.SUPPRESS)
    return parser


class _VersionAction(argparse.Action):
    """``--version``, reading the installed version only when asked (importlib.metadata is slow
    to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version"
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"newswatch {version()}")
        parser.exit()


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
    argv = sys.argv[1:] if argv is None else list(argv)
    # First pass on stubs: which command is it? (``--help`` and bad input end here.)
    first, _ = build_parser().parse_known_args(argv)
    parser = build_parser(first.command)
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
