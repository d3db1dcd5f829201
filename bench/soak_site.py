"""The soak benchmark's news site: many hosts of feeds that answer 304, and a story now and then.

``--hosts`` HTTP servers, one per loopback address (127.0.0.2, 127.0.0.3, ...: distinct hosts, so
robots.txt and Scrapy's per-host slots are per host as on the web), each serving
``--feeds-per-host`` RSS feeds at ``/feed/<n>.xml``. A feed starts empty; it answers ``ETag`` and
honours ``If-None-Match`` with 304, so a poller that keeps validators sees 304s until a story is
published into that feed. Stories are real news pages (``../shared/data/article-extraction``,
read at run time), served at ``/news/<n>.html``. Run as a child of ``bench/soak.py``::

    python bench/soak_site.py --hosts 20 --feeds-per-host 10

It prints one JSON line ``{"feeds": [url, ...], "control": url}`` and serves until killed.
The first host also answers ``/_stats`` (request counts as JSON, uncounted themselves) and
``/_publish?every=S`` (publish a story into a random feed every S seconds; 0 stops; ``count=N``
publishes N stories at once first).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "article-extraction" / "html"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@dataclass
class Feed:
    items: list[tuple[int, str, datetime]] = field(default_factory=list)  # (story, title, date)
    version: int = 0


@dataclass
class SiteState:
    feeds: list[Feed]
    pages: list[bytes]
    rng: random.Random
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: dict[str, int] = field(default_factory=dict)
    robots_by_host: dict[str, int] = field(default_factory=dict)
    stories: int = 0
    publisher: threading.Event | None = None

    def count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def publish(self) -> None:
        with self.lock:
            self.stories += 1
            feed = self.rng.choice(self.feeds)
            feed.items.insert(0, (self.stories, f"Story {self.stories}", datetime.now(UTC)))
            del feed.items[20:]
            feed.version += 1
            self.count("published")


def _rss(feed: Feed, base: str, index: int) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{base}/news/{story}.html</link>"
        f"<guid>{base}/news/{story}.html</guid>"
        f"<pubDate>{format_datetime(date, usegmt=True)}</pubDate></item>"
        for story, title, date in feed.items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {index}</title><link>{base}/</link><description>soak</description>"
        f"{items}</channel></rss>"
    ).encode()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of connections from batched polls must not be refused


def make_handler(state: SiteState, first: int, per_host: int, control: bool) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            route = parts.path
            host = self.headers.get("Host", "")
            base = f"http://{host}"
            if control and route == "/_stats":
                with state.lock:
                    body = json.dumps(
                        {**state.counts, "robots_by_host": dict(state.robots_by_host)}
                    ).encode()
                self._send(200, body, {"Content-Type": "application/json"})
            elif control and route == "/_publish":
                query = parse_qs(parts.query)
                for _ in range(int(query.get("count", ["0"])[0])):
                    state.publish()
                self._set_publisher(float(query.get("every", ["0"])[0]))
                self._send(200, b"ok")
            elif route == "/robots.txt":
                with state.lock:
                    state.count("robots")
                    state.robots_by_host[host] = state.robots_by_host.get(host, 0) + 1
                self._send(200, ROBOTS, {"Content-Type": "text/plain"})
            elif route.startswith("/feed/"):
                self._feed(int(route.removeprefix("/feed/").removesuffix(".xml")), base)
            elif route.startswith("/news/"):
                story = int(route.removeprefix("/news/").removesuffix(".html"))
                with state.lock:
                    state.count("articles")
                page = state.pages[story % len(state.pages)]
                self._send(200, page, {"Content-Type": "text/html; charset=utf-8"})
            else:
                self._send(404, b"not found")

        def _feed(self, index: int, base: str) -> None:
            if not first <= index < first + per_host:
                self._send(404, b"no such feed here")
                return
            with state.lock:
                feed = state.feeds[index]
                etag = f'"{index}-{feed.version}"'
                if self.headers.get("If-None-Match") == etag:
                    state.count("not_modified")
                    not_modified = True
                else:
                    state.count("feed_200")
                    not_modified = False
                    body = _rss(feed, base, index)
            if not_modified:
                self._send(304, b"", {"ETag": etag})
            else:
                headers = {"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"}
                self._send(200, body, headers)

        def _set_publisher(self, every: float) -> None:
            if state.publisher is not None:
                state.publisher.set()
                state.publisher = None
            if every <= 0:
                return
            stop = threading.Event()
            state.publisher = stop

            def run() -> None:
                while not stop.wait(every):
                    state.publish()

            threading.Thread(target=run, daemon=True).start()

    return Handler


def load_pages(limit: int = 40) -> list[bytes]:
    """Real news pages to serve as stories (a plain page when the shared data is absent)."""
    pages = [gzip.decompress(p.read_bytes()) for p in sorted(PAGES.glob("*.html.gz"))[:limit]]
    if pages:
        return pages
    text = " ".join(hashlib.sha1(str(i).encode()).hexdigest() for i in range(200))
    return [f"<html><body><article><h1>Story</h1><p>{text}</p></article></body></html>".encode()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--feeds-per-host", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pages", type=int, default=40, help="distinct real pages to serve")
    args = parser.parse_args()
    state = SiteState(
        feeds=[Feed() for _ in range(args.hosts * args.feeds_per_host)],
        pages=load_pages(args.pages),
        rng=random.Random(args.seed),
    )
    urls: list[str] = []
    control = ""
    for h in range(args.hosts):
        first = h * args.feeds_per_host
        handler = make_handler(state, first, args.feeds_per_host, control=h == 0)
        server = Server((f"127.0.0.{h + 2}", 0), handler)
        base = f"http://127.0.0.{h + 2}:{server.server_address[1]}"
        if h == 0:
            control = base
        urls.extend(f"{base}/feed/{first + i}.xml" for i in range(args.feeds_per_host))
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"feeds": urls, "control": control}), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
