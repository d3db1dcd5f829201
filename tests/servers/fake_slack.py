"""A fake Slack Web API (and incoming webhook) on a free loopback port.

It records every call and answers from a script: ``ok``, ``429`` with ``Retry-After``, ``500``,
``ok: false`` errors such as ``invalid_auth``, or a slow answer past the client's timeout. Like
Slack, a successful ``chat.postMessage`` answers with the channel's id and a unique ``ts``, and a
reply carries ``thread_ts`` (and ``reply_broadcast``): :meth:`FakeSlack.top_level` and
:meth:`FakeSlack.replies` tell the two apart. It runs
in a thread (so a dispatcher in another process or event loop can reach it), like slack-sdk's
``tests/mock_web_api_server`` but without its fixed port.

It also plays Socket Mode: ``auth.test`` answers a team id (:attr:`FakeSlack.team`),
``apps.connections.open`` answers a ``ws://127.0.0.1:…`` URL, and an aiohttp.web server (its own
thread and loop, started on the first such call) serves that websocket: a ``hello`` first, then
the envelopes a test pushes (:meth:`FakeSlack.push`, :func:`press_envelope`), recording the
acknowledgements the client sends back (:meth:`FakeSlack.acks`).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web


@dataclass(frozen=True)
class Answer:
    """One scripted answer."""

    status: int = 200
    body: dict[str, Any] | str = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def ok() -> Answer:
    return Answer()


def rate_limited(retry_after: float = 1) -> Answer:
    return Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": f"{retry_after:g}"})


def server_error() -> Answer:
    return Answer(500, "<html>Internal Server Error</html>", {"Content-Type": "text/html"})


def error(code: str) -> Answer:
    return Answer(200, {"ok": False, "error": code})


def slow(seconds: float) -> Answer:
    return Answer(delay=seconds)


@dataclass
class Call:
    """One request the fake received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int
    at: float  # time.monotonic() when it arrived


class FakeSlack:
    """The server; use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._script: deque[Answer] = deque()
        self.default = ok()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ts = 1_700_000_000.0
        self._channel_ids: dict[str, str] = {}
        self.team = "T0NEWS"
        self.sockets = SocketModeServer()

    def next_ts(self) -> str:
        """A ts no earlier message had (Slack's message id within a channel)."""
        with self._lock:
            self._ts += 0.0001
            return f"{self._ts:.6f}"

    def channel_id(self, name: str) -> str:
        """The id the fake gives a channel name (``#deals`` -> ``C001``); ids map to themselves."""
        with self._lock:
            if name in self._channel_ids.values():
                return name
            return self._channel_ids.setdefault(name, f"C{len(self._channel_ids) + 1:03d}")

    # -- script and records ------------------------------------------------------------------

    def script(self, *answers: Answer) -> None:
        """Queue answers for the next calls; afterwards :attr:`default` (ok) answers."""
        with self._lock:
            self._script.extend(answers)

    def _next_answer(self) -> Answer:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def posted(self) -> list[Call]:
        """Calls that were answered with success (the messages that reached 'Slack')."""
        with self._lock:
            return [c for c in self.calls if c.status == 200 and c.body.get("_answer_ok", True)]

    def top_level(self) -> list[Call]:
        """Posted messages that are not thread replies."""
        return [c for c in self.posted() if not c.body.get("thread_ts")]

    def replies(self) -> list[Call]:
        """Posted thread replies (``thread_ts`` set)."""
        return [c for c in self.posted() if c.body.get("thread_ts")]

    # -- server ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/services/T000/B000/secret"

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without this, Nagle + delayed ACK add 40 ms.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                ctype = self.headers.get("Content-Type", "")
                body: dict[str, Any]
                if "json" in ctype:
                    body = json.loads(raw or b"{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                answer = fake._next_answer()
                if answer.delay:
                    time.sleep(answer.delay)
                answer_ok = isinstance(answer.body, dict) and answer.body.get("ok", False)
                if self.path.startswith("/services/"):
                    answer_ok = answer.status == 200
                body["_answer_ok"] = bool(answer_ok)
                fake._record(
                    Call(self.path, dict(self.headers), body, answer.status, time.monotonic())
                )
                if self.path.startswith("/services/"):
                    payload = b"ok" if answer.status == 200 else b"error"
                    ctype_out = "text/html"
                elif isinstance(answer.body, dict):
                    data = dict(answer.body)
                    if data.get("ok") and self.path.endswith("/auth.test"):
                        data.setdefault("team_id", fake.team)
                        data.setdefault("user_id", "U0BOT")
                    elif data.get("ok") and self.path.endswith("/apps.connections.open"):
                        data.setdefault("url", fake.sockets.url())
                    elif data.get("ok"):
                        data.setdefault("channel", fake.channel_id(str(body.get("channel", ""))))
                        data.setdefault("ts", fake.next_ts())
                        body["_ts"] = data["ts"]
                    payload = json.dumps(data).encode()
                    ctype_out = "application/json; charset=utf-8"
                else:
                    payload = answer.body.encode()
                    ctype_out = answer.headers.get("Content-Type", "text/plain")
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", ctype_out)
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in answer.headers.items():
                        if key.lower() != "content-type":
                            self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the slow answer)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that timed out and hung up is expected here

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.sockets.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- Socket Mode -----------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Calls of one Web API method (``"chat.update"``), answered or not."""
        with self._lock:
            return [c for c in self.calls if c.path.endswith("/" + method)]

    def push(self, envelope: dict[str, Any] | str) -> None:
        """Send an envelope (or any text) down every open Socket Mode connection."""
        self.sockets.push(envelope)

    def acks(self) -> list[str]:
        """The envelope ids acknowledged so far, in order."""
        return self.sockets.acks()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SocketModeServer:
    """The Socket Mode websocket, served by aiohttp.web on its own loop in a thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: list[str] = []
        self.received: list[str] = []  # every text frame the clients sent
        self.connections = 0  # websockets opened so far

    def url(self) -> str:
        """Start the server if needed; a fresh ``ws://`` URL with a new ticket."""
        with self._lock:
            if self._loop is None:
                self._start()
            return f"ws://127.0.0.1:{self._port}/link/?ticket=t{time.monotonic_ns()}"

    def _start(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_get("/link/", self._socket)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self._port = int(self._runner.addresses[0][1])
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(serve())
            loop.run_forever()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._lock:
            self._sockets.append(ws)
            self.connections += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A0FAKE"},
                    "debug_info": {"host": "fake"},
                }
            )
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                with self._lock:
                    self.received.append(msg.data)
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if isinstance(data, dict) and isinstance(data.get("envelope_id"), str):
                    with self._lock:
                        self._acks.append(data["envelope_id"])
        finally:
            with self._lock:
                if ws in self._sockets:
                    self._sockets.remove(ws)
        return ws

    def open_sockets(self) -> int:
        with self._lock:
            return len(self._sockets)

    def push(self, envelope: dict[str, Any] | str) -> None:
        text = envelope if isinstance(envelope, str) else json.dumps(envelope)
        with self._lock:
            sockets, loop = list(self._sockets), self._loop
        assert loop is not None and sockets, "no Socket Mode client is connected"

        async def send() -> None:
            for ws in sockets:
                if not ws.closed:  # one a client is hanging up is no longer Slack's to use
                    await ws.send_str(text)

        asyncio.run_coroutine_threadsafe(send(), loop).result(10)

    def acks(self) -> list[str]:
        with self._lock:
            return list(self._acks)

    def stop(self) -> None:
        with self._lock:
            loop, thread, runner = self._loop, self._thread, self._runner
            self._loop = None
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            for ws in list(self._sockets):
                await ws.close()
            if runner is not None:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def press_envelope(
    envelope_id: str,
    action: str,
    value: str,
    *,
    team: str = "T0NEWS",
    user: str = "U0READER",
    user_name: str = "ann",
    channel_id: str = "C001",
    ts: str = "1700000000.000100",
    blocks: list[dict[str, Any]] | None = None,
    text: str = "an alert",
    button_text: str = "",
) -> dict[str, Any]:
    """An ``interactive`` envelope like Slack's for a press of button ``action`` (an
    action_id such as ``newswatch.mute``) on the message ``channel_id``/``ts``."""
    return {
        "envelope_id": envelope_id,
        "type": "interactive",
        "accepts_response_payload": False,
        "payload": {
            "type": "block_actions",
            "team": {"id": team, "domain": "example"},
            "user": {"id": user, "username": user_name, "name": user_name, "team_id": team},
            "api_app_id": "A0FAKE",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": channel_id, "name": "deals"},
            "message": {"type": "message", "ts": ts, "text": text, "blocks": blocks or []},
            "actions": [
                {
                    "action_id": action,
                    "block_id": "newswatch_feedback",
                    "type": "button",
                    "value": value,
                    "text": {"type": "plain_text", "text": button_text, "emoji": False},
                    "action_ts": "1700000001.000000",
                }
            ],
        },
    }
