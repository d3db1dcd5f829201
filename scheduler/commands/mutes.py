"""``newswatch mutes [--channel NAME] [--json]``: readers' mutes and snoozes in force.

A mute (of a party) or a snooze (of a story) is made from an alert's button and holds that
channel's matching alerts until it expires (``newswatch unmute ID`` lifts it sooner). The config
files stay the source of watchlists: these are expiring overrides, listed here and in
``newswatch status``. Read through the light read-only path, as ``status`` is.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.store.readonly import ReadOnlyStore


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "mutes",
        description=(
            "List the mutes and snoozes readers made from alerts (expiring overrides of the "
            "config), with what each holds back; `newswatch unmute ID` lifts one."
        ),
    )
    parser.add_argument("--channel", metavar="NAME", help="only this channel's")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scheduler.commands._common import view_and_readonly_store

    now = datetime.now(UTC)
    with view_and_readonly_store(args) as (_config, store):
        holds = holds_report(store, now, args.channel)
    if args.json:
        print(json.dumps({"holds": holds}, indent=2, ensure_ascii=False))
        return 0
    print("\n".join(format_holds(holds, now)))
    return 0


def holds_report(
    store: ReadOnlyStore, now: datetime, channel: str | None = None
) -> list[dict[str, Any]]:
    """The holds in force at ``now`` as plain data (``mutes --json``, ``status --json``)."""
    holds = store.active_holds(now, channel)
    held = store.held_counts([h.id for h in holds])
    return [
        {
            "id": h.id,
            "kind": h.kind,
            "channel": h.channel,
            "label": h.label,
            "key": h.key,
            "created_by": h.created_by,
            "created_at": h.created_at.isoformat(),
            "expires_at": h.expires_at.isoformat(),
            "held_alerts": held.get(h.id, 0),
        }
        for h in holds
    ]


def format_holds(holds: list[dict[str, Any]], now: datetime) -> list[str]:
    """The table ``mutes`` and ``status`` print."""
    if not holds:
        return ["no mutes or snoozes in force"]
    lines = [
        "mutes and snoozes (expiring overrides of the config; `newswatch unmute ID` lifts one):",
        f"{'id':>5}  {'kind':<6} {'channel':<16} {'by':<16} {'made':<10} {'expires':<10} "
        f"{'held':>4}  what",
    ]
    for h in holds:
        made = _span(now - datetime.fromisoformat(h["created_at"])) + " ago"
        expires = "in " + _span(datetime.fromisoformat(h["expires_at"]) - now)
        lines.append(
            f"{h['id']:>5}  {h['kind']:<6} {h['channel'][:16]:<16} {h['created_by'][:16]:<16} "
            f"{made:<10} {expires:<10} {h['held_alerts']:>4}  {' '.join(h['label'].split())[:60]}"
        )
    return lines


def _span(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 3600:
        return f"{max(seconds // 60, 1)}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d{(seconds % 86400) // 3600}h"
