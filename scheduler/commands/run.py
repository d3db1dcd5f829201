"""``newswatch run``: the service, until SIGTERM/SIGINT (see :mod:`scheduler.daemon`)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        description="Run newswatch as a long-running service. SIGHUP reloads the config; "
        "SIGTERM/SIGINT shut down gracefully.",
    )
    parser.add_argument("--log-json", action="store_true", help="log JSON lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scheduler.config import load_config
    from scheduler.daemon import run_service
    from scheduler.logs import quiet_crawl_detail, setup_logging

    config = load_config(args.config)
    if config.service.log_json and not args.log_json:
        setup_logging(verbose=args.verbose, json_format=True)
    quiet_crawl_detail(verbose=args.verbose)
    if config.service.cluster:
        import logging

        from scheduler.cluster.service import run_cluster_service

        # The job queue logs every job it runs: a dispatch a second is noise unless asked for.
        level = logging.DEBUG if args.verbose else logging.WARNING
        logging.getLogger("procrastinate").setLevel(level)
        return run_cluster_service(config)
    return run_service(config)
