"""``newswatch match`` and ``newswatch eval`` end to end, through ``scheduler.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli import main
from tests.servers.site import FIXTURES, FixtureSite

HIRE_TITLE = "Meta hires key OpenAI researcher to work on AI reasoning models"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_config(tmp_path: Path, watchlist: str) -> Path:
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "custom.toml").write_text(watchlist, encoding="utf-8")
    config = tmp_path / "newswatch.toml"
    config.write_text('[watchlists]\ninclude = ["watchlists/*.toml"]\n', encoding="utf-8")
    return config


CUSTOM = """
name = "robots-only"
topics = ["deal"]
[focus]
terms = ["robotics"]
[[entity]]
name = "Figure"
core = true
"""


# ----------------------------------------------------------------------------- match


def test_match_text_default_watchlist(
    capsys: pytest.CaptureFixture[str], isolated_cwd: Path
) -> None:
    code, out, _ = run(
        capsys, "match", "--text", "Meta said the researcher starts Monday.", "--title", HIRE_TITLE
    )
    assert code == 0
    assert "ai-talent-and-deals: MATCH" in out
    assert "kind hiring" in out
    assert "[Meta] [hires] key [OpenAI] researcher" in out
    assert "entities: Meta (hirer), OpenAI (origin)" in out
    assert "hits:" not in out


def test_match_explain(capsys: pytest.CaptureFixture[str], isolated_cwd: Path) -> None:
    code, out, _ = run(capsys, "match", "--text", "", "--title", HIRE_TITLE, "--explain")
    assert code == 0
    assert "hits:" in out and "score:" in out
    assert "entity     'Meta'" in out
    assert "hiring: main frame hiring 'hires' in title: Meta" in out
    assert "frames:\n    hiring 'hires' in title: Meta -> ? (from OpenAI)" in out


def test_match_no_match_json(capsys: pytest.CaptureFixture[str], isolated_cwd: Path) -> None:
    code, out, _ = run(capsys, "match", "--text", "Storms are expected this weekend.", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["matched"] is False
    (wl,) = data["watchlists"]
    assert wl["watchlist"] == "ai-talent-and-deals" and wl["match"] is None
    assert "hits" not in wl


def test_match_json_explain(capsys: pytest.CaptureFixture[str], isolated_cwd: Path) -> None:
    code, out, _ = run(
        capsys,
        "match",
        "--title",
        "Meta invests $14.3B in Scale AI",
        "--text",
        "",
        "--json",
        "--explain",
    )
    assert code == 0
    (wl,) = json.loads(out)["watchlists"]
    assert wl["matched"] is True
    match = wl["match"]
    assert match["kind"] == "deal"
    assert match["amounts"] == [{"value": 14.3e9, "currency": "USD", "text": "$14.3B"}]
    assert {"name": "Scale AI", "role": "target"} in match["entities"]
    assert any(h["category"] == "entity" and h["text"] == "Scale AI" for h in wl["hits"])


def test_match_file(capsys: pytest.CaptureFixture[str], isolated_cwd: Path) -> None:
    page = FIXTURES / "news" / "meta-hires-scale-ai-ceo.html"
    code, out, _ = run(capsys, "match", "--file", str(page))
    assert code == 0
    assert out.startswith("title: Meta hires Scale AI")
    assert "MATCH" in out and "kind both" in out
    assert "$14.3 billion = 14,300,000,000 USD" in out


def test_match_url(
    capsys: pytest.CaptureFixture[str], isolated_cwd: Path, site: FixtureSite
) -> None:
    site.reset()
    url = site.url("/news/google-windsurf-deal.html")
    code, _, err = run(capsys, "match", url, "--json")
    assert code == 1 and "loopback address" in err  # the crawler's guard, unless allowed
    (isolated_cwd / "newswatch.toml").write_text("[crawl]\nallow_private = true\n")
    code, out, _ = run(capsys, "match", url, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["title"].startswith("Google hires Windsurf CEO")
    assert data["matched"] is True
    assert "/news/google-windsurf-deal.html" in site.paths()


def test_match_url_errors(
    capsys: pytest.CaptureFixture[str], isolated_cwd: Path, site: FixtureSite
) -> None:
    (isolated_cwd / "newswatch.toml").write_text("[crawl]\nallow_private = true\n")
    code, _, err = run(capsys, "match", site.url("/status/404"))
    assert code == 1 and "HTTP 404" in err
    code, _, err = run(capsys, "match", "ftp://example.invalid/x")
    assert code == 1 and "not an http(s) URL" in err


def test_match_needs_exactly_one_input(
    capsys: pytest.CaptureFixture[str], isolated_cwd: Path
) -> None:
    code, _, err = run(capsys, "match")
    assert code == 1 and "exactly one of" in err
    code, _, err = run(capsys, "match", "--text", "x", "--file", "y.html")
    assert code == 1 and "exactly one of" in err
    code, _, err = run(capsys, "match", "--file", "missing.html")
    assert code == 1 and "cannot read" in err


def test_match_uses_the_config_watchlists(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_cwd: Path
) -> None:
    config = write_config(tmp_path, CUSTOM)
    code, out, _ = run(
        capsys,
        "--config",
        str(config),
        "match",
        "--title",
        "Figure acquires a robotics startup",
        "--text",
        "",
    )
    assert code == 0
    assert "robots-only: MATCH" in out
    assert "ai-talent-and-deals" not in out


def test_match_reports_config_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_cwd: Path
) -> None:
    config = write_config(tmp_path, 'name = "bad"\nrule = "acquires AND"\n')
    code, _, err = run(capsys, "--config", str(config), "match", "--text", "x")
    assert code == 1
    assert "custom.toml:3" in err or "custom.toml:2" in err
    assert "position 12" in err


# ----------------------------------------------------------------------------- eval


CASES = [
    {"id": "a", "title": HIRE_TITLE, "text": "", "label": "relevant"},
    {"id": "b", "title": "OpenAI acquires AI device startup io", "text": "", "label": "relevant"},
    {"id": "c", "title": "Meta unveils smart glasses", "text": "", "label": "relevant"},
    {"id": "d", "title": "Storms expected this weekend", "label": "irrelevant"},
    {"id": "e", "title": "Meta pauses AI hiring", "text": "", "label": "irrelevant"},
    {"id": "f", "title": "Nvidia acquires AI startup Lepton", "text": "", "label": "irrelevant"},
    {"id": "g", "title": "Google buys Wiz", "text": "", "label": "borderline"},
]


def write_cases(tmp_path: Path, cases: list[dict[str, Any]]) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases) + "\n", encoding="utf-8")
    return path


def test_eval_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_cwd: Path) -> None:
    code, out, _ = run(capsys, "eval", str(write_cases(tmp_path, CASES)), "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["n", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "cases"]
    assert (data["n"], data["tp"], data["fp"], data["fn"], data["tn"]) == (7, 2, 1, 1, 2)
    assert data["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert data["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert data["f1"] == pytest.approx(2 / 3, abs=1e-4)
    by_id = {c["id"]: c for c in data["cases"]}
    assert set(by_id["a"]) == {"id", "label", "predicted", "score", "kind"}
    assert by_id["a"]["predicted"] == "relevant" and by_id["a"]["kind"] == "hiring"
    assert by_id["d"]["predicted"] == "irrelevant" and by_id["d"]["kind"] is None
    assert by_id["g"]["label"] == "borderline"  # reported, not scored


def test_eval_text(capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_cwd: Path) -> None:
    code, out, _ = run(capsys, "eval", str(write_cases(tmp_path, CASES)))
    assert code == 0
    assert "precision 0.667  recall 0.667  F1 0.667" in out
    assert "tp 2  fp 1  fn 1  tn 2" in out
    assert "false positive: f" in out and "missed: c" in out and "borderline: g" in out


def test_eval_watchlist_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_cwd: Path
) -> None:
    cases = write_cases(tmp_path, CASES)
    code, out, _ = run(capsys, "eval", str(cases), "--watchlist", "ai-talent-and-deals", "--json")
    assert code == 0 and json.loads(out)["tp"] == 2
    code, _, err = run(capsys, "eval", str(cases), "--watchlist", "nope")
    assert code == 1 and "no watchlist named 'nope'" in err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "cases.jsonl:2: not valid JSON"),
        ('{"id": "x", "title": "t", "label": "maybe"}', "cases.jsonl:2: label must be one of"),
        ('["a list"]', "cases.jsonl:2: expected a JSON object"),
    ],
)
def test_eval_bad_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_cwd: Path, line: str, message: str
) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(CASES[0]) + "\n" + line + "\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(path))
    assert code == 1 and message in err


def test_eval_cross_validated_over_several_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_cwd: Path
) -> None:
    """``--cv K`` scores every case with a model fitted without it, per file and overall."""
    from tests.crawler.filter_cases import CASES as STORIES

    rows = [
        {
            "id": c.id,
            "title": c.title,
            "text": c.body,
            "label": "relevant" if c.relevant else "irrelevant",
            "kind": c.kind,
        }
        for c in STORIES
    ]
    first, second = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in rows[::2]), encoding="utf-8")
    second.write_text("".join(json.dumps(r) + "\n" for r in rows[1::2]), encoding="utf-8")
    code, out, _ = run(capsys, "eval", str(first), str(second), "--cv", "3", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["n"] == len(rows)
    assert set(data["files"]) == {str(first), str(second)}
    assert sum(f["n"] for f in data["files"].values()) == len(rows)
    assert data["tp"] + data["fn"] == sum(r["label"] == "relevant" for r in rows)
    assert all(0.0 <= c["score"] <= 1.0 for c in data["cases"])
    code, out, _ = run(capsys, "eval", str(first), "--cv", "3")
    assert code == 0 and "3-fold cross-validated" in out
    code, _, err = run(capsys, "eval", str(first), "--cv", "1")
    assert code == 1 and "--cv needs at least 2 folds" in err
