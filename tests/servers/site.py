"""A fixture news site on free loopback ports, serving tests/fixtures/site/ with failure routes.

Two ``ThreadingHTTPServer`` instances (``main`` and ``other``, two netlocs, so two robots.txt
downloads) share one state: the files are templates where ``{base}`` (the answering server),
``{base2}`` (the other server) and dates such as ``{rfc-2h}`` / ``{iso-30h}`` (hours before the
site started, so ETags stay stable for its lifetime) are filled in at serve time. Static files
answer ``ETag`` / ``Last-Modified`` and honour ``If-None-Match`` / ``If-Modified-Since`` with 304.

Failure routes: ``/status/<code>`` (503 and 429 send ``Retry-After``, ``?retry_after=N``),
``/slow?seconds=N``, ``/drop`` (connection closed without an answer), ``/huge?bytes=N`` (announced
and sent body over the size limit), ``/not-xml`` (an HTML page where a feed should be). Any path
takes ``?fail=N&retry_after=S``: its first N hits answer 503 with ``Retry-After: S``; and
``?delay=S``: it answers S seconds late (a crawl to interrupt).
``site.robots_delay`` makes ``/robots.txt`` answer slowly, to provoke the robots.txt race;
``site.answer_robots(503, 404)`` makes the next ``/robots.txt`` requests answer those statuses
in turn (and a 200 carry headers), to test what a 4xx, a 5xx or a short lifetime means.

Every request is recorded (``site.requests``) with its path, headers and answer, so tests can
assert zero disallowed fetches, zero re-downloads and 304s. Use the session-scoped ``site``
fixture (call ``site.reset()`` at the start of a test), or ``python -m tests.servers.site``
to serve it by hand.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "site"

_DATE_TOKEN = re.compile(r"\{(rfc|iso)-(\d+)h\}")
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass
class RecordedRequest:
    """One request the site received."""

    method: str
    path: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names
    server: str  # "main" or "other"
    status: int | None = None  # None when the connection was dropped or is still open

    @property
    def route(self) -> str:
        """The path without its query."""
        return self.path.split("?", 1)[0]


@dataclass
class _State:
    root: Path
    started: datetime
    requests: list[RecordedRequest] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    robots_delay: float = 0.0
    robots_statuses: list[int] = field(default_factory=list)
    robots_headers: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    bases: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FixtureNews/1.0"
    state: _State
    server_label: str

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is ``site.requests``."""

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        record = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            server=self.server_label,
        )
        with self.state.lock:
            self.state.requests.append(record)
            self.state.hits[self.path] = self.state.hits.get(self.path, 0) + 1
            hits = self.state.hits[self.path]
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        route = parts.path
        if "delay" in query:
            time.sleep(float(query["delay"]))
        if "fail" in query and hits <= int(query["fail"]):
            self._send(record, 503, b"busy", headers={"Retry-After": query.get("retry_after", "1")})
            return
        if route.startswith("/status/"):
            self._status(record, route, query)
        elif route == "/slow":
            time.sleep(float(query.get("seconds", "5")))
            self._send(record, 200, b"<html><body>finally</body></html>")
        elif route == "/drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif route == "/huge":
            size = int(query.get("bytes", str(2 * 1024 * 1024)))
            self._send(record, 200, b"<html><body>" + b"x" * size + b"</body></html>")
        elif route == "/not-xml":
            body = b"<!doctype html><html><body><h1>Oops</h1><p>This is not a feed.</p></body>"
            self._send(record, 200, body, content_type="text/html; charset=utf-8")
        else:
            if route == "/robots.txt" and self.state.robots_delay:
                time.sleep(self.state.robots_delay)
            if route == "/robots.txt" and self._robots_answer(record):
                return
            self._static(record, route)

    def _robots_answer(self, record: RecordedRequest) -> bool:
        """Answer a queued robots.txt status, if any; False: serve the file as usual."""
        with self.state.lock:
            status = self.state.robots_statuses.pop(0) if self.state.robots_statuses else None
        if status is None or status == 200:
            return False
        self._send(record, status, f"status {status}".encode())
        return True

    def _status(self, record: RecordedRequest, route: str, query: dict[str, str]) -> None:
        try:
            code = int(route.rsplit("/", 1)[-1])
        except ValueError:
            code = 400
        headers = {}
        if code in (429, 503):
            headers["Retry-After"] = query.get("retry_after", "1")
        self._send(record, code, f"status {code}".encode(), headers=headers)

    def _static(self, record: RecordedRequest, route: str) -> None:
        relative = route.lstrip("/") or "index.html"
        target = (self.state.root / relative).resolve()
        if self.state.root not in target.parents or not target.is_file():
            self._send(record, 404, b"not found")
            return
        body = self._render(target.read_bytes())
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        last_modified = self.state.started
        headers = {"ETag": etag, "Last-Modified": format_datetime(last_modified, usegmt=True)}
        if route == "/robots.txt":
            headers.update(self.state.robots_headers)
        if self._not_modified(etag, last_modified):
            self._send(record, 304, b"", headers=headers)
            return
        suffix = target.suffix
        if target.name.endswith((".rss.xml", ".atom.xml")):
            suffix = "." + target.name.split(".")[-2]
        content_type = _CONTENT_TYPES.get(suffix, "application/octet-stream")
        self._send(record, 200, body, headers=headers, content_type=content_type)

    def _not_modified(self, etag: str, last_modified: datetime) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")]
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            return since >= last_modified.replace(microsecond=0)
        return False

    def _render(self, raw: bytes) -> bytes:
        text = raw.decode("utf-8")
        here = self.state.bases[self.server_label]
        there = self.state.bases["other" if self.server_label == "main" else "main"]
        text = text.replace("{base}", here).replace("{base2}", there)

        def date(match: re.Match[str]) -> str:
            when = self.state.started - timedelta(hours=int(match.group(2)))
            if match.group(1) == "rfc":
                return format_datetime(when, usegmt=True)
            return when.isoformat().replace("+00:00", "Z")

        return _DATE_TOKEN.sub(date, text).encode("utf-8")

    def _send(
        self,
        record: RecordedRequest,
        status: int,
        body: bytes,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "text/plain; charset=utf-8",
    ) -> None:
        record.status = status
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (timeout, size limit): that is the point of the route.
                self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up (timeouts, size limits) are what the failure routes are for."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class FixtureSite:
    """The running fixture news site: ``url(path)``, ``requests``, ``reset()``."""

    def __init__(self, root: Path = FIXTURES) -> None:
        started = datetime.now(UTC).replace(microsecond=0)
        self._state = _State(root=root.resolve(), started=started)
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> FixtureSite:
        """Start both servers on free ports of 127.0.0.1."""
        for label in ("main", "other"):
            handler = type(
                f"Handler_{label}", (_Handler,), {"state": self._state, "server_label": label}
            )
            server = _Server(("127.0.0.1", 0), handler)
            self._servers[label] = server
            self._state.bases[label] = f"http://127.0.0.1:{server.server_address[1]}"
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"site-{label}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        """Stop both servers."""
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT`` of the main server."""
        return self._state.bases["main"]

    @property
    def base2(self) -> str:
        """``http://127.0.0.1:PORT`` of the other server (another netloc, same files)."""
        return self._state.bases["other"]

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on the main server."""
        return self.base + "/" + path.lstrip("/")

    def url2(self, path: str) -> str:
        """Absolute URL of ``path`` on the other server."""
        return self.base2 + "/" + path.lstrip("/")

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received since the last :meth:`reset`."""
        with self._state.lock:
            return list(self._state.requests)

    def paths(self, server: str | None = None) -> list[str]:
        """Paths (with query) requested, optionally on one server only."""
        return [r.path for r in self.requests if server is None or r.server == server]

    @property
    def robots_delay(self) -> float:
        return self._state.robots_delay

    @robots_delay.setter
    def robots_delay(self, seconds: float) -> None:
        self._state.robots_delay = seconds

    def answer_robots(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        """Answer the next robots.txt requests (either server) with ``statuses`` in turn
        (200: the file), then the file again; a 200 carries ``headers`` until :meth:`reset`."""
        with self._state.lock:
            self._state.robots_statuses[:] = list(statuses)
            self._state.robots_headers = dict(headers or {})

    def reset(self) -> None:
        """Forget recorded requests and ``?fail=`` counters; answer robots.txt at once again."""
        with self._state.lock:
            self._state.requests.clear()
            self._state.hits.clear()
            self._state.robots_statuses.clear()
            self._state.robots_headers = {}
        self._state.robots_delay = 0.0


@pytest.fixture(scope="session")
def site() -> Iterator[FixtureSite]:
    """The fixture news site, started once per test session (call ``site.reset()`` first)."""
    server = FixtureSite().start()
    try:
        yield server
    finally:
        server.close()


if __name__ == "__main__":
    running = FixtureSite().start()
    print(f"fixture site at {running.base} and {running.base2}; Ctrl-C stops", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        running.close()
