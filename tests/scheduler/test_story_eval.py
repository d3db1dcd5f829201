"""``newswatch eval-stories``: B-cubed and pairwise scores, the labelled-file format, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.story_eval import bcubed, pairwise
from tests.scheduler.story_reports import REPORTS


def test_bcubed_and_pairwise_by_hand() -> None:
    truth = {"a": "x", "b": "x", "c": "y", "d": "z"}
    merged_all = {"a": 1, "b": 1, "c": 1, "d": 2}
    p, r = bcubed(merged_all, truth)
    # a, b: precision 2/3, c: 1/3, d: 1 -> (2/3 + 2/3 + 1/3 + 1) / 4; recall all 1.
    assert p == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4) and r == 1.0
    assert pairwise(merged_all, truth) == (pytest.approx(1 / 3), 1.0, 1)
    assert bcubed({k: k for k in truth}, truth) == (1.0, pytest.approx((0.5 + 0.5 + 1 + 1) / 4))


def test_eval_stories_on_our_fixtures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_cwd: Path
) -> None:
    base = datetime(2026, 11, 2, 9, tzinfo=UTC)
    news = tmp_path / "news.jsonl"
    news.write_text(
        "".join(
            json.dumps(
                {
                    "id": r.slug,
                    "title": r.title,
                    "text": r.body,
                    "published": (base + timedelta(hours=r.hours)).isoformat(),
                }
            )
            + "\n"
            for r in REPORTS
        )
    )
    labelled = tmp_path / "labels.jsonl"
    labelled.write_text(
        json.dumps({"include": "news.jsonl"})
        + "\n"
        + "".join(json.dumps({"id": r.slug, "story": r.story}) + "\n" for r in REPORTS)
    )
    assert main(["eval-stories", str(labelled), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] == len(REPORTS)
    assert result["bcubed_precision"] == 1.0 and result["bcubed_recall"] == 1.0
    assert result["wrong_merges"] == [] and result["split_stories"] == []
    # A window shorter than the gap to the completion splits that story, and says so.
    assert main(["eval-stories", str(labelled), "--window", "12h"]) == 0
    assert "split: nvidia-lumora" in capsys.readouterr().out


def test_eval_stories_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_cwd: Path
) -> None:
    labelled = tmp_path / "labels.jsonl"
    labelled.write_text('{"id": "x", "story": "s"}\nnot json\n')
    assert main(["eval-stories", str(labelled)]) == 1
    assert f"{labelled}:2:" in capsys.readouterr().err
    labelled.write_text('{"id": "x", "story": "s"}\n')
    assert main(["eval-stories", str(labelled)]) == 1
    assert "labels for unknown ids: x" in capsys.readouterr().err
