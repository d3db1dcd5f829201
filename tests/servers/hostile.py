"""A hostile news site on a free loopback port: what a malicious or broken source can send.

Routes (every request is recorded in ``hostile.requests``):

- ``/bomb.xml.gz?mb=N`` -- a gzip bomb: a sitemap of N MiB (default 1024) of whitespace,
  gzipped (about 4.5 MB on the wire for 1 GiB), served *without* ``Content-Encoding``.
- ``/index/<name>.xml?fan=F`` -- a sitemap index listing F (default 3) child indexes with
  ever-new names, which list ever-new indexes in turn, forever.
- ``/laughs.xml`` -- a "billion laughs" sitemap (nested entity declarations).
- ``/deep-listing.html?depth=N`` -- a listing page whose story link sits N elements deep.
- ``/trickle-feed.xml?n=N`` -- an RSS feed of N fresh stories under ``/trickle/``.
- ``/trickle/<name>.html`` -- announces 100 kB, then sends one byte every half second.
- ``/feed.xml?pages=a,b`` -- an RSS feed of fresh stories ``/page/a.html``, ``/page/b.html``.
- ``/page/mislabelled.html`` -- a UTF-8 story whose header says ``charset=iso-8859-1``.
- ``/page/latin1-says-utf8.html`` -- a latin-1 story whose header says ``charset=utf-8`` and
  whose ``<meta>`` says ``iso-8859-1``.
- ``/page/pathological.html`` -- 2 MB of ``<p>a</p>`` (262,144 elements): minutes of trafilatura.
- ``/page/<name>.html`` -- any other name: a plain story.
- ``/redirect?to=URL`` -- a 302 to ``URL``.
- ``/huge.html?mb=N`` -- N MiB (default 64) of HTML with no ``Content-Length`` (ends at close).
- ``/bomb.html?mb=N`` -- the gzip bomb of N MiB (default 1024) served as ``text/html`` *with*
  ``Content-Encoding: gzip``, as an HTTP client sees it.
- ``/page/canonical-elsewhere.html`` -- a story whose ``<link rel=canonical>`` names another site.
- ``/page/canonical-same-site.html`` -- a story whose canonical is another URL of this site.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

STORY_TEXT = (
    "Meta Platforms has hired Alexandr Wang, the chief executive of Scale AI, to lead a new "
    "superintelligence lab, the company said on Thursday. The move follows a $14.3 billion "
    "investment in Scale AI that gives Meta a 49 percent stake in the data-labelling startup. "
    "Wang will keep a seat on the Scale AI board, and several of his colleagues will join him. "
    "Analysts said the deal shows how far big technology companies will go to secure talent. "
)


@cache
def gzip_bomb(mib: int) -> bytes:
    """A gzipped sitemap of ``mib`` MiB of whitespace (built once per size per session)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1 << 20)
    parts = [packer.compress(b"<?xml version='1.0'?><urlset>")]
    parts.extend(packer.compress(block) for _ in range(mib))
    parts.append(packer.compress(b"</urlset>"))
    parts.append(packer.flush())
    return b"".join(parts)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
 <url><loc>/page/&lol9;.html</loc></url>
</urlset>
"""


def _article(title: str, head: str = "") -> str:
    paragraphs = "".join(f"<p>{STORY_TEXT}</p>" for _ in range(3))
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title>{head}</head>"
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


def _rss(base: str, paths: list[str]) -> bytes:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    items = "".join(
        f"<item><title>Story {path}</title><link>{base}{path}</link><pubDate>{now}</pubDate></item>"
        for path in paths
    )
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>hostile</title>"
        f"<link>{base}/</link>{items}</channel></rss>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: HostileSite

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is ``hostile.requests``."""

    def do_GET(self) -> None:
        with self.site.lock:
            self.site.requests.append(self.path)
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        route = parts.path
        base = self.site.base
        if route == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif route == "/bomb.xml.gz":
            self._send(200, gzip_bomb(int(query.get("mb", "1024"))), "application/x-gzip")
        elif route.startswith("/index/"):
            fan = int(query.get("fan", "3"))
            name = route.rsplit("/", 1)[-1].removesuffix(".xml")
            children = "".join(
                f"<sitemap><loc>{base}/index/{name}-{i}.xml?fan={fan}</loc></sitemap>"
                for i in range(fan)
            )
            body = (
                "<?xml version='1.0'?><sitemapindex "
                f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{children}</sitemapindex>"
            )
            self._send(200, body.encode(), "application/xml")
        elif route == "/laughs.xml":
            self._send(200, BILLION_LAUGHS, "application/xml")
        elif route == "/deep-listing.html":
            depth = int(query.get("depth", "100000"))
            link = f"<a class='story' href='{base}/page/deep.html'>A deep story</a>"
            body = "<html><body>" + "<div>" * depth + link + "</div>" * depth + "</body></html>"
            self._send(200, body.encode(), "text/html; charset=utf-8")
        elif route == "/trickle-feed.xml":
            paths = [f"/trickle/{i}.html" for i in range(int(query.get("n", "4")))]
            self._send(200, _rss(base, paths), "application/rss+xml")
        elif route.startswith("/trickle/"):
            self._trickle()
        elif route == "/feed.xml":
            pages = [p for p in query.get("pages", "").split(",") if p]
            self._send(200, _rss(base, [f"/page/{p}.html" for p in pages]), "application/rss+xml")
        elif route == "/page/mislabelled.html":
            body = _article("Ça coûte 14,3 milliards: Meta recrute le patron de Scale AI")
            self._send(200, body.encode("utf-8"), "text/html; charset=iso-8859-1")
        elif route == "/page/latin1-says-utf8.html":
            head = "<meta charset='iso-8859-1'>"
            body = _article("Ça coûte 14,3 milliards: Meta recrute le patron de Scale AI", head)
            self._send(200, body.encode("iso-8859-1"), "text/html; charset=utf-8")
        elif route == "/page/canonical-elsewhere.html":
            head = "<link rel='canonical' href='https://victim.example/news/real-story'>"
            self._send(200, _article("Claimed elsewhere", head).encode(), "text/html")
        elif route == "/page/canonical-same-site.html":
            head = f"<link rel='canonical' href='{base}/page/the-canonical-one.html'>"
            self._send(200, _article("Canonical on this site", head).encode(), "text/html")
        elif route == "/page/pathological.html":
            body = b"<html><body><article>" + b"<p>a</p>" * 262_144 + b"</article></body></html>"
            self._send(200, body, "text/html; charset=utf-8")
        elif route.startswith("/page/"):
            self._send(200, _article("A plain story").encode(), "text/html; charset=utf-8")
        elif route == "/redirect":
            self.send_response(302)
            self.send_header("Location", query.get("to", "/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "/huge.html":
            self._huge(int(query.get("mb", "64")))
        elif route == "/bomb.html":
            body = gzip_bomb(int(query.get("mb", "1024")))
            self._send(200, body, "text/html", {"Content-Encoding": "gzip"})
        else:
            self._send(404, b"not found", "text/plain")

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _huge(self, mib: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        block = b"<p>" + b"x" * ((1 << 20) - 7) + b"</p>\n"
        try:
            self.wfile.write(b"<html><body>")
            for _ in range(mib):
                self.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            self.wfile.write(b"<html><body><p>")
            self.wfile.flush()
            for _ in range(600):  # five minutes at most, far beyond any deadline in the tests
                if self.site.closing.wait(0.5):
                    break
                self.wfile.write(b"x")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up (size limits, deadlines) are what this site is for."""


class HostileSite:
    """The running hostile site: ``url(path)``, ``requests``, ``reset()``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        handler = type("HostileHandler", (_Handler,), {"site": self})
        self._server = _Server((host, 0), handler)
        self.base = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="hostile-site",
            daemon=True,
        )

    def start(self) -> HostileSite:
        self._thread.start()
        return self

    def close(self) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str) -> str:
        return self.base + "/" + path.lstrip("/")

    def paths(self) -> list[str]:
        with self.lock:
            return list(self.requests)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()


@pytest.fixture(scope="session")
def hostile() -> Iterator[HostileSite]:
    """The hostile site, started once per test session (call ``hostile.reset()`` first)."""
    server = HostileSite().start()
    try:
        yield server
    finally:
        server.close()


if __name__ == "__main__":
    running = HostileSite().start()
    print(f"hostile site at {running.base}; Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        running.close()
