"""``newswatch dispatch [--once | --loop | --until-empty]``: deliver the alert outbox outside the
daemon — once (cron), in a loop, or until nothing is pending."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from datetime import timedelta
from typing import Any

from crawler.sources import parse_duration

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dispatch",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one pass over what is due (default)")
    mode.add_argument("--loop", action="store_true", help="keep dispatching until interrupted")
    mode.add_argument(
        "--until-empty",
        action="store_true",
        help="loop until no delivery is pending (but those a mute or snooze holds)",
    )
    parser.add_argument(
        "--interval",
        type=parse_duration,
        default=None,
        help="pause between passes when idle (default: service.dispatch_every)",
    )
    parser.add_argument(
        "--lease",
        type=parse_duration,
        default=timedelta(minutes=5),
        help="how long claimed rows stay reserved (default 5m); a crashed dispatcher's rows "
        "are picked up again after it",
    )
    parser.add_argument("--json", action="store_true", help="print the stats as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alerts.dispatch_loop import dispatch_loop
    from alerts.dispatcher import Dispatcher, DispatchStats
    from scheduler.commands._common import config_and_store

    def log_pass(stats: DispatchStats) -> None:
        if stats.messages or stats.failed:
            log.info(
                "dispatch: sent %d in %d messages, retried %d, failed %d",
                stats.sent,
                stats.messages,
                stats.retried,
                stats.failed,
            )

    with config_and_store(args, secrets=True) as (config, store):
        interval: timedelta = args.interval or config.service.dispatch_every

        async def main() -> DispatchStats:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            # No run budget: a cron "--once" drains what is due, however slow the rate limit.
            dispatcher = Dispatcher(store, config.channels, lease=args.lease, run_budget=None)
            async with dispatcher:
                return await dispatch_loop(
                    dispatcher,
                    until_empty=args.until_empty,
                    interval=interval.total_seconds(),
                    max_runs=None if (args.loop or args.until_empty) else 1,
                    stop=stop,
                    on_pass=log_pass,
                )

        total = asyncio.run(main())
        counts = store.outbox_counts()
    if args.json:
        print(
            json.dumps(
                {
                    "sent": total.sent,
                    "messages": total.messages,
                    "retried": total.retried,
                    "failed": total.failed,
                    "held": total.held,
                    "on_hold": total.on_hold,
                    "folded": total.folded,
                    "quiet": total.quiet,
                    "errors": total.errors,
                    "outbox": counts,
                }
            )
        )
    else:
        print(
            f"sent {total.sent} in {total.messages} messages, retried {total.retried}, "
            f"failed {total.failed}, held {total.held}, on hold {total.on_hold}; outbox: "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
        for channel, error in total.errors.items():
            print(f"  {channel}: {error}")
    return 0
