"""The commands around the store, run as a user runs them: demo, status, matches, rematch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.article_store import ArticleRecord
from crawler.fingerprint import content_hash, simhash
from scheduler.cli import main
from scheduler.store import open_store

REPO = Path(__file__).resolve().parents[2]

WATCHLIST = """\
name = "deals"
min_score = 0.3

[[entity]]
name = "Meta"
case_sensitive = ["Meta"]

[[entity]]
name = "Scale AI"
"""

HIRE = (
    "Meta has agreed to invest $14.3 billion in Scale AI for a 49% stake, and Scale AI's "
    "chief executive Alexandr Wang will join Meta to lead a new superintelligence lab."
)


@pytest.mark.e2e
def test_demo_runs_offline_and_prints_alerts(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", "demo"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Meta hires Scale AI chief Alexandr Wang" in out
    assert "OpenAI agrees to buy AI device startup io" in out
    # The irrelevant stories of the snapshot do not alert.
    assert "Apple posts record quarterly revenue" not in out
    assert "pauses hiring" not in out
    assert "demo done: 6 articles stored" in out


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "deals.toml").write_text(WATCHLIST)
    path = tmp_path / "newswatch.toml"
    path.write_text(
        f'[service]\ndatabase_url = "{db_url}"\n\n[watchlists]\ninclude = ["watchlists/*.toml"]\n'
        '\n[[source]]\nname = "wire"\nfeed = "https://example.com/feed.xml"\n'
    )
    return path


def store_article(db_url: str, title: str, text: str) -> int:
    store = open_store(db_url)
    try:
        result = store.save_article(
            ArticleRecord(
                source="wire",
                url=f"https://example.com/{abs(hash(title))}",
                fetched_url="https://example.com/x",
                title=title,
                text=text,
                fingerprint=simhash(text),
                content_hash=content_hash(text),
                published=datetime.now(UTC),
            ),
            [],
            {},
        )
        return result.article_id
    finally:
        store.close()


def test_rematch_then_matches_and_status(
    config: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store_article(db_url, "Meta hires Scale AI's CEO", HIRE)
    store_article(db_url, "Weather", "Rain is expected across the region on Sunday afternoon.")
    # Stored without matching (as before a watchlist edit): rematch finds the hire, no alert.
    assert main(["--config", str(config), "rematch", "--since", "1d"]) == 0
    assert "rematched 2 articles: 1 match, 1 new matches stored" in capsys.readouterr().out
    store = open_store(db_url)
    try:
        assert store.outbox_counts().get("pending", 0) == 0
    finally:
        store.close()
    # A second rematch stores nothing new.
    assert main(["--config", str(config), "rematch", "--since", "1d", "--alert"]) == 0
    assert "0 new matches stored" in capsys.readouterr().out

    assert main(["--config", str(config), "matches", "--since", "1h", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["watchlist"] for r in rows] == ["deals"]
    assert rows[0]["kind"] in ("hiring", "both") and rows[0]["evidence"]

    assert main(["--config", str(config), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["sources"][0]["name"] == "wire"
    assert status["sources"][0]["status"] == "never crawled"
    assert status["outbox"].get("pending", 0) == 0  # rematch without --alert queued nothing


def test_matches_labels_times_and_rejects_an_unknown_watchlist(
    config: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store_article(db_url, "Meta hires Scale AI's CEO", HIRE)
    assert main(["--config", str(config), "rematch", "--since", "1d"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "matches", "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert "source wire · published 20" in out and " · matched 20" in out, out
    assert main(["--config", str(config), "matches", "--watchlist", "nope"]) == 1
    err = capsys.readouterr().err
    assert "no watchlist named 'nope' (configured: deals)" in err


class _Healthz(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_status_says_whether_a_service_runs_and_when_sources_are_next_due(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthz)
    port = server.server_address[1]
    text = config.read_text().replace(
        "[service]\n", f'[service]\nhealth_listen = "127.0.0.1:{port}"\n'
    )
    config.write_text(text)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        assert main(["--config", str(config), "status"]) == 0
        out = capsys.readouterr().out
        assert "service: running" in out, out
        assert "next run" in out and "at start" in out, out
    finally:
        server.shutdown()
        server.server_close()
    assert main(["--config", str(config), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["service"]["state"] == "not running"


def test_rematch_prints_which_stories_an_edit_gains_and_loses(
    config: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    article_id = store_article(db_url, "Meta hires Scale AI's CEO", HIRE)
    assert main(["--config", str(config), "rematch", "--since", "1d"]) == 0
    out = capsys.readouterr().out
    assert f"+ [deals] Meta hires Scale AI's CEO  (#{article_id}, wire)" in out, out
    assert "1 gained, 0 lost" in out
    # The watchlist no longer lists the parties: the story is lost (and its match kept).
    watchlist = config.parent / "watchlists" / "deals.toml"
    watchlist.write_text('name = "deals"\nmin_score = 0.3\n\n[[entity]]\nname = "Nvidia"\n')
    assert main(["--config", str(config), "rematch", "--since", "1d", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"- [deals] Meta hires Scale AI's CEO  (#{article_id}, wire)" in out, out
    assert "0 gained, 1 lost (lost matches stay stored)" in out
