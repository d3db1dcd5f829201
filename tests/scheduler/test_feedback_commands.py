"""``newswatch mutes``, ``unmute``, ``status`` and ``feedback export`` on a real store (SQLite
and PostgreSQL): holds made from alerts are listed as expiring overrides and lifted by id, and
the exported labels run through the real ``newswatch eval``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.feedback import FeedbackEvent
from crawler.article_store import ArticleRecord
from crawler.fingerprint import content_hash, simhash
from crawler.matching.fitting import training_path
from scheduler.cli import main
from scheduler.commands.eval import read_cases
from scheduler.store import Store, open_store
from tests.scheduler.test_commands import HIRE
from tests.scheduler.test_migrations import write_config
from tests.scheduler.test_store import make_match

REPO = Path(__file__).resolve().parents[2]
EARNINGS = (
    "Meta reported quarterly revenue of $40 billion, up 22% from a year earlier, and said it "
    "would keep spending on data centres through next year."
)


def save(store: Store, slug: str, title: str, text: str, now: datetime) -> int:
    """An alert on "slack" about ``text``, already sent (a reader can press its buttons)."""
    record = ArticleRecord(
        source="wire",
        url=f"https://example.com/{slug}",
        fetched_url=f"https://example.com/{slug}",
        title=title,
        text=text,
        fingerprint=simhash(text),
        content_hash=content_hash(text),
        published=now - timedelta(hours=2),
    )
    saved = store.save_article(record, [make_match("deals", 0.8)], {"deals": ["slack"]})
    [delivery] = saved.delivery_ids
    store.mark_sent(delivery, now=now - timedelta(hours=1))
    return delivery


def press(store: Store, delivery: int, action: str, minutes: int, party: str | None = None):
    at = datetime.now(UTC) - timedelta(minutes=minutes)
    event = FeedbackEvent(action, delivery, "slack", "U7", "Grace", at, party, f"env-{minutes}")  # type: ignore[arg-type]
    outcome = store.record_feedback(event)
    assert outcome is not None
    return outcome


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> str:
    return str(write_config(tmp_path, db_url))


def test_mutes_unmute_and_status(
    db_url: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", config, "mutes"]) == 0
    assert "no mutes or snoozes in force" in capsys.readouterr().out
    with open_store(db_url) as store:
        hire = save(store, "hire", "Meta hires Scale AI's CEO", HIRE, datetime.now(UTC))
        mute = press(store, hire, "mute", 50, party="Scale AI").hold
        snooze = press(store, hire, "snooze", 40).hold
        assert mute is not None and snooze is not None
        # An alert the mute holds back: due, then put off by the dispatcher.
        [held] = store.save_article(
            ArticleRecord(
                source="wire",
                url="https://example.com/again",
                fetched_url="https://example.com/again",
                title="Scale AI again",
                text="Scale AI news.",
                fingerprint=simhash("Scale AI news."),
                content_hash=content_hash("Scale AI news."),
                published=None,
            ),
            [make_match("deals", 0.8)],
            {"deals": ["slack"]},
        ).delivery_ids
        store.hold_deliveries([(held, mute)])

    assert main(["--config", config, "mutes"]) == 0
    out = capsys.readouterr().out
    assert "expiring overrides of the config" in out
    lines = [line.split() for line in out.splitlines()[2:]]
    assert [line[:3] for line in lines] == [
        [str(mute.id), "mute", "slack"],
        [str(snooze.id), "snooze", "slack"],
    ]
    assert lines[0][3:7] == ["Grace", "50m", "ago", "in"] and lines[0][7] == "6d23h"
    assert lines[0][8:] == ["1", "Scale", "AI"]  # holds one alert
    assert lines[1][8] == "0" and "Meta hires Scale AI's CEO" in out

    assert main(["--config", config, "mutes", "--json", "--channel", "slack"]) == 0
    listed = json.loads(capsys.readouterr().out)["holds"]
    assert [(h["id"], h["kind"], h["key"], h["held_alerts"]) for h in listed] == [
        (mute.id, "mute", "scale ai", 1),
        (snooze.id, "snooze", snooze.key, 0),
    ]
    assert main(["--config", config, "mutes", "--json", "--channel", "email"]) == 0
    assert json.loads(capsys.readouterr().out) == {"holds": []}

    assert main(["--config", config, "status"]) == 0
    out = capsys.readouterr().out
    assert "mutes and snoozes" in out and "Scale AI" in out
    assert main(["--config", config, "status", "--json"]) == 0
    assert [h["id"] for h in json.loads(capsys.readouterr().out)["holds"]] == [mute.id, snooze.id]

    assert main(["--config", config, "unmute", str(mute.id)]) == 0
    assert f"lifted mute #{mute.id} on slack (Scale AI)" in capsys.readouterr().out
    assert main(["--config", config, "unmute", str(mute.id)]) == 1
    assert f"no mute or snooze #{mute.id} in force" in capsys.readouterr().out
    assert main(["--config", config, "mutes", "--json"]) == 0
    assert [h["id"] for h in json.loads(capsys.readouterr().out)["holds"]] == [snooze.id]
    with open_store(db_url) as store:
        delivery = store.get_delivery(held)
        assert delivery is not None and delivery.next_attempt_at <= datetime.now(UTC)


def test_feedback_export_runs_through_eval(
    db_url: str, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(db_url) as store:
        hire = save(store, "hire", "Meta hires Scale AI's CEO", HIRE, datetime.now(UTC))
        earnings = save(store, "earnings", "Meta's quarter", EARNINGS, datetime.now(UTC))
        old = save(store, "old", "An old story", "Something from last quarter.", datetime.now(UTC))
        press(store, old, "relevant", 60 * 24 * 40)  # before --since
        press(store, hire, "not_relevant", 30)
        press(store, hire, "relevant", 20)  # the latest label wins
        press(store, earnings, "not_relevant", 10)
        press(store, earnings, "mute", 5, party="Meta")  # not a label

    exported = tmp_path / "labels.jsonl"
    assert main(["--config", config, "feedback", "export", "-o", str(exported)]) == 0
    assert "wrote 2 labelled alerts (1 relevant, 1 not)" in capsys.readouterr().err
    rows = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [(r["id"], r["label"]) for r in rows] == [
        ("https://example.com/hire", "relevant"),
        ("https://example.com/earnings", "irrelevant"),
    ]
    assert rows[0]["title"] == "Meta hires Scale AI's CEO" and rows[0]["text"] == HIRE
    assert (rows[0]["kind"], rows[0]["watchlist"]) == ("deal", "deals")
    assert rows[0]["url"] == "https://example.com/hire"
    assert datetime.fromisoformat(rows[0]["labelled_at"]) < datetime.fromisoformat(
        rows[1]["labelled_at"]
    )
    # To standard output, and a wider window takes the old label too.
    assert main(["--config", config, "feedback", "export", "--since", "60d"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3

    # The real eval reads the file and scores the filter on it.
    assert main(["--config", config, "eval", str(exported), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 2
    assert {c["id"]: c["label"] for c in result["cases"]} == {
        "https://example.com/hire": "relevant",
        "https://example.com/earnings": "irrelevant",
    }
    assert (result["tp"], result["tn"], result["fp"], result["fn"]) == (1, 1, 0, 0)


def test_an_exported_file_refits_the_filter(tmp_path: Path) -> None:
    """``bench/fit_filter.py --extra`` adds an export to the labelled sets it fits on."""
    exported = tmp_path / "labels.jsonl"
    rows = [
        {"id": "https://example.com/hire", "title": "Meta hires Scale AI's CEO", "text": HIRE},
        {"id": "https://example.com/earnings", "title": "Meta's quarter", "text": EARNINGS},
    ]
    labels = ("relevant", "irrelevant")
    exported.write_text(
        "".join(
            json.dumps(row | {"label": label, "kind": "deal", "url": row["id"]}) + "\n"
            for row, label in zip(rows, labels, strict=True)
        )
    )
    own = training_path()
    script = str(REPO / "bench" / "fit_filter.py")
    args = [str(own), "--extra", str(exported), "--k", "2", "--repeats", "1", "--l2-grid", "1"]
    proc = subprocess.run(
        [sys.executable, script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["cases"] == len(read_cases(own)) + 2
    assert result["cross_validated"]["labels.jsonl"]["n"] == 2
