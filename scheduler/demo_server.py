"""``newswatch demo``: the whole path offline, in under a minute.

It serves a bundled snapshot news site (a feed and a few articles, some of them relevant) on a
loopback port, writes a throw-away config that points at it, crawls it once, matches, and delivers
the alerts to the console — so a newcomer without internet or Slack sees newswatch work.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SITE_DIR = Path(__file__).parent / "demo_site"
_TYPES = {".xml": "application/rss+xml", ".html": "text/html; charset=utf-8", ".txt": "text/plain"}


class SnapshotHandler(BaseHTTPRequestHandler):
    """Serves files under ``root``, with ``{base}``, ``{now_iso}``, ``{now_rfc822}`` filled in."""

    root: Path = SITE_DIR
    server_version = "newswatch-demo"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].lstrip("/") or "index.html"
        file = (self.root / path).resolve()
        if self.root.resolve() not in file.parents or not file.is_file():
            self.send_error(404)
            return
        now = datetime.now(UTC)
        address: Any = self.server.server_address
        base = f"http://{address[0]}:{address[1]}"
        body = (
            file.read_text(encoding="utf-8")
            .replace("{base}", base)
            .replace("{now_iso}", now.isoformat())
            .replace("{now_rfc822}", format_datetime(now))
            .encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", _TYPES.get(file.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the demo prints what matters itself


@contextmanager
def serve_snapshot(root: Path = SITE_DIR) -> Iterator[str]:
    """Serve ``root`` on a free loopback port; yield its base URL."""
    handler = type("Handler", (SnapshotHandler,), {"root": root})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def demo_config_text(base: str, data_dir: Path) -> str:
    return f"""\
[service]
data_dir = "{data_dir.as_posix()}"
health_listen = ""

[crawl]
allow_private = true     # the snapshot site is on loopback
download_delay = "1ms"
autothrottle = false

[[source]]
name = "demo-tech-wire"
feed = "{base}/feed.xml"
every = "1m"

[[channel]]
name = "console"
kind = "console"
"""
