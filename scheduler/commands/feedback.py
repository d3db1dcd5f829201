"""``newswatch feedback export [--since 30d] [-o FILE]``: readers' labels as evaluation cases.

Every alert a reader marked "Relevant" or "Not relevant" becomes one JSON line in the format
``newswatch eval`` reads (``id``, ``title``, ``text``, ``label`` relevant or irrelevant, ``kind``)
plus ``url``, ``watchlist`` and ``labelled_at``: a team measures the filter on its own news
(``newswatch eval FILE``), and ``bench/fit_filter.py --extra FILE`` refits the scoring with them.
The latest label wins, per article (an article alerted on two channels is one case; its ``id``
is its URL). Only the labels are exported; mutes and snoozes are not judgements of relevance.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alerts.feedback import LabelledMatch


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "feedback",
        description="Readers' feedback on alerts (the buttons of Slack messages).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the labelled alerts as JSON lines for `newswatch eval`",
        description=(
            "Write every alert readers labelled relevant or not relevant (the latest label per "
            "article) as JSON lines that `newswatch eval` reads."
        ),
    )
    export.add_argument("--since", default="30d", help="labels made this recently (default 30d)")
    export.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default: standard output)"
    )
    export.set_defaults(func=run_export)


def cases(labels: Sequence[LabelledMatch]) -> list[dict[str, Any]]:
    """One evaluation case per article, its latest label winning, oldest label first."""
    latest: dict[str, LabelledMatch] = {}
    for label in sorted(labels, key=lambda m: m.labelled_at):
        latest.pop(label.url, None)
        latest[label.url] = label
    return [
        {
            "id": m.url,
            "title": m.title,
            "text": m.text,
            "label": "relevant" if m.label else "irrelevant",
            "kind": m.kind,
            "url": m.url,
            "watchlist": m.watchlist,
            "labelled_at": m.labelled_at.isoformat(),
        }
        for m in latest.values()
    ]


def run_export(args: argparse.Namespace) -> int:
    from scheduler.commands._common import config_and_store, parse_since

    since = parse_since(args.since)
    with config_and_store(args) as (_config, store):
        rows = cases(store.labelled_matches(since=since))
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        relevant = sum(1 for row in rows if row["label"] == "relevant")
        print(
            f"wrote {len(rows)} labelled alerts ({relevant} relevant, "
            f"{len(rows) - relevant} not) to {args.output}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0
