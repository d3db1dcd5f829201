"""``newswatch unmute ID``: lift a reader's mute or snooze now (ids from ``newswatch mutes``).

The alerts it held become due at once and the running service sends them on its next dispatch.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "unmute",
        description="Lift a mute or snooze (its id from `newswatch mutes`); what it held is sent.",
    )
    parser.add_argument("id", type=int, help="the hold's id, from `newswatch mutes`")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scheduler.commands._common import config_and_store

    now = datetime.now(UTC)
    with config_and_store(args) as (_config, store):
        found = {h.id: h for h in store.active_holds(now=now)}.get(args.id)
        lifted = found is not None and store.lift_hold(args.id, now=now)
    if not lifted or found is None:
        print(f"newswatch: no mute or snooze #{args.id} in force (see `newswatch mutes`)")
        return 1
    print(f"lifted {found.kind} #{found.id} on {found.channel} ({found.label})")
    return 0
