"""``newswatch alerts test CHANNEL | pending | failed | retry ID...|--all-failed``: try a channel
with a sample alert, look into the outbox, and queue failed deliveries again."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import datetime
from typing import Any

from alerts.model import Delivery


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "alerts",
    )
    sub = parser.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)

    test = sub.add_parser("test", help="send a sample alert to CHANNEL and report the outcome")
    test.add_argument("channel", metavar="CHANNEL", help="a channel name from the config")
    test.set_defaults(func=run_test)

    for status in ("pending", "failed"):
        lister = sub.add_parser(status, help=f"list {status} deliveries")
        lister.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
        lister.add_argument("--json", action="store_true", help="print JSON")
        lister.set_defaults(func=run_list, status=status)

    retry = sub.add_parser("retry", help="make failed deliveries pending again")
    retry.add_argument("ids", metavar="ID", type=int, nargs="*", help="delivery ids")
    retry.add_argument("--all-failed", action="store_true", help="every failed delivery")
    retry.set_defaults(func=run_retry)


def run_test(args: argparse.Namespace) -> int:
    """Send :func:`alerts.render.sample_alert` through the channel's notifier (no outbox)."""
    from alerts.errors import DeliveryError, PermanentDeliveryError
    from alerts.registry import build_notifier
    from alerts.render import sample_alert
    from scheduler.config import load_config

    config = load_config(args.config)
    channels = {c.name: c for c in config.channels}
    if args.channel not in channels:
        known = ", ".join(sorted(channels)) or "none"
        print(f"newswatch: unknown channel {args.channel!r} (configured: {known})")
        return 2
    cfg = channels[args.channel]
    notifier = build_notifier(cfg)

    async def send() -> None:
        try:
            await notifier.send(sample_alert())
        finally:
            await notifier.aclose()

    try:
        asyncio.run(send())
    except DeliveryError as exc:
        kind = "permanent" if isinstance(exc, PermanentDeliveryError) else "temporary"
        print(f"FAILED ({kind}) {cfg.name} [{cfg.kind}]: {exc}")
        return 1
    print(f"ok: sample alert sent to {cfg.name} [{cfg.kind}]")
    return 0


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _row(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "channel": d.channel,
        "status": d.status,
        "attempts": d.attempts,
        "created_at": d.created_at.isoformat(),
        "next_attempt_at": d.next_attempt_at.isoformat(),
        "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        "last_error": d.last_error,
        "article_id": d.alert.article_id,
        "title": d.alert.title,
        "url": d.alert.url,
    }


def run_list(args: argparse.Namespace) -> int:
    """Print pending or failed outbox rows."""
    from scheduler.commands._common import config_and_store

    with config_and_store(args) as (_config, store):
        rows = store.list_deliveries(args.status, limit=max(args.limit, 1))
        counts = store.outbox_counts()
    if args.json:
        print(json.dumps({"counts": counts, "deliveries": [_row(d) for d in rows]}, indent=2))
        return 0
    if not rows:
        print(f"no {args.status} deliveries (outbox: {_counts(counts)})")
        return 0
    when = "next attempt" if args.status == "pending" else "created"
    print(f"{'id':>7}  {'channel':<16} {'tries':>5}  {when:<19}  title / last error")
    for d in rows:
        stamp = d.next_attempt_at if args.status == "pending" else d.created_at
        title = " ".join(d.alert.title.split())[:70]
        print(f"{d.id:>7}  {d.channel:<16} {d.attempts:>5}  {_when(stamp):<19}  {title}")
        if d.last_error:
            print(f"{'':>7}  {'':<16} {'':>5}  {'':<19}  error: {d.last_error[:200]}")
    print(f"({len(rows)} shown; outbox: {_counts(counts)})")
    return 0


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def run_retry(args: argparse.Namespace) -> int:
    """Queue failed deliveries (by id, or all) for another round of attempts."""
    from scheduler.commands._common import config_and_store

    if bool(args.ids) == bool(args.all_failed):
        print("newswatch: give delivery ids or --all-failed (not both)")
        return 2
    with config_and_store(args) as (_config, store):
        n = store.retry_failed(None if args.all_failed else args.ids)
    print(f"{n} deliver{'y' if n == 1 else 'ies'} queued again")
    if args.ids and n < len(args.ids):
        print(f"({len(args.ids) - n} of the given ids were not failed deliveries)")
    return 0
