"""``newswatch dispatch [--once | --loop | --until-empty]``: deliver the alert outbox outside the
daemon — once (cron), in a loop, or until nothing is pending."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from datetime import timedelta
from typing import Any

from crawler.sources import parse_duration

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("dispatch", help="deliver pending alerts from the outbox")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one pass over what is due (default)")
    mode.add_argument("--loop", action="store_true", help="keep dispatching until interrupted")
    mode.add_argument(
        "--until-empty", action="store_true", help="loop until no delivery is pending"
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
    from alerts.dispatcher import Dispatcher, DispatchStats
    from scheduler.config import load_config
    from scheduler.store import open_store

    config = load_config(args.config)
    interval: timedelta = args.interval or config.service.dispatch_every
    store = open_store(config.database_url)

    async def main() -> DispatchStats:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        total = DispatchStats()
        # No run budget: a cron "--once" drains what is due, however slow the rate limit.
        dispatcher = Dispatcher(store, config.channels, lease=args.lease, run_budget=None)
        async with dispatcher:
            while True:
                stats = await dispatcher.run_once()
                total.add(stats)
                if stats.messages or stats.failed:
                    log.info(
                        "dispatch: sent %d in %d messages, retried %d, failed %d",
                        stats.sent,
                        stats.messages,
                        stats.retried,
                        stats.failed,
                    )
                if not (args.loop or args.until_empty) or stop.is_set():
                    break
                if args.until_empty:
                    counts = await asyncio.to_thread(store.outbox_counts)
                    if counts.get("pending", 0) == 0:
                        break
                if stats.messages == 0 and stats.failed == 0:
                    # Idle or waiting on retries: sleep, but wake at once on a stop signal.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), interval.total_seconds())
                    if stop.is_set():
                        break
        return total

    try:
        total = asyncio.run(main())
        counts = store.outbox_counts()
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {
                    "sent": total.sent,
                    "messages": total.messages,
                    "retried": total.retried,
                    "failed": total.failed,
                    "held": total.held,
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
            f"failed {total.failed}, held {total.held}; outbox: "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
        for channel, error in total.errors.items():
            print(f"  {channel}: {error}")
    return 0
