"""Fixtures for the alerts tests: sample alerts, an in-memory outbox that follows the
``OutboxStore`` contract (leases included), a fake Slack, an SMTP server and a webhook receiver."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from alerts.model import Alert, Delivery, DeliveryStatus
from crawler.matching.types import Amount, EntityRef, Evidence, Match
from tests.servers.fake_slack import FakeSlack
from tests.servers.smtp import SMTPServer

T0 = datetime(2026, 6, 12, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def make_alert(
    article_id: int = 1,
    title: str = "Meta invests $14.3B in Scale AI and hires its CEO Alexandr Wang",
    *,
    watchlist: str = "ai-deals",
    url: str | None = None,
) -> Alert:
    sentence = "Meta will invest $14.3 billion in Scale AI, and its CEO Alexandr Wang joins Meta."
    match = Match(
        watchlist=watchlist,
        score=0.92,
        kind="deal",
        entities=(
            EntityRef("Meta", "investor"),
            EntityRef("Scale AI", "target"),
            EntityRef("Alexandr Wang", "person"),
        ),
        amounts=(Amount(14.3e9, "USD", "$14.3 billion"),),
        evidence=(Evidence(sentence, spans=((0, 4), (5, 16), (17, 30))),),
    )
    return Alert(
        article_id=article_id,
        title=title,
        url=url or f"https://news.example.com/story/{article_id}",
        source="example-news",
        published=T0 - timedelta(hours=1),
        matches=(match,),
    )


class Clock:
    """A settable clock for the dispatcher."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class MemoryOutbox:
    """An in-memory :class:`alerts.model.OutboxStore` with the same lease rules as the real one."""

    def __init__(self) -> None:
        self.rows: dict[int, Delivery] = {}
        self.leases: dict[int, datetime] = {}
        self.sent_log: list[tuple[int, datetime]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, alert: Alert, channel: str, created_at: datetime = T0) -> int:
        with self._lock:
            row_id = next(self._ids)
            self.rows[row_id] = Delivery(
                id=row_id,
                channel=channel,
                status="pending",
                attempts=0,
                created_at=created_at,
                next_attempt_at=created_at,
                alert=replace(alert, delivery_id=row_id),
            )
            return row_id

    def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int, channel: str | None = None
    ) -> list[Delivery]:
        with self._lock:
            out = []
            for row in sorted(self.rows.values(), key=lambda r: (r.created_at, r.id)):
                if row.status != "pending" or row.next_attempt_at > now:
                    continue
                if channel is not None and row.channel != channel:
                    continue
                if self.leases.get(row.id, now) > now:
                    continue
                self.leases[row.id] = lease_until
                out.append(row)
                if len(out) >= limit:
                    break
            return out

    def mark_sent(self, delivery_id: int, *, now: datetime, ref: str | None = None) -> None:
        with self._lock:
            row = self.rows[delivery_id]
            self.rows[delivery_id] = replace(
                row, status="sent", sent_at=now, attempts=row.attempts + 1
            )
            self.leases.pop(delivery_id, None)
            self.sent_log.append((delivery_id, now))

    def mark_retry(self, delivery_id: int, *, next_attempt_at: datetime, error: str) -> None:
        with self._lock:
            row = self.rows[delivery_id]
            self.rows[delivery_id] = replace(
                row, attempts=row.attempts + 1, next_attempt_at=next_attempt_at, last_error=error
            )
            self.leases.pop(delivery_id, None)

    def mark_failed(self, delivery_id: int, *, now: datetime, error: str) -> None:
        with self._lock:
            row = self.rows[delivery_id]
            self.rows[delivery_id] = replace(
                row, status="failed", attempts=row.attempts + 1, last_error=error
            )
            self.leases.pop(delivery_id, None)

    def release(self, delivery_ids: Sequence[int]) -> None:
        with self._lock:
            for i in delivery_ids:
                self.leases.pop(i, None)

    def sent_count_since(self, channel: str, since: datetime) -> int:
        with self._lock:
            return sum(
                1
                for r in self.rows.values()
                if r.channel == channel and r.status == "sent" and r.sent_at and r.sent_at >= since
            )

    def list_deliveries(self, status: DeliveryStatus, limit: int = 100) -> list[Delivery]:
        with self._lock:
            return [r for r in self.rows.values() if r.status == status][:limit]

    def retry_failed(self, delivery_ids: Sequence[int] | None = None) -> int:
        with self._lock:
            n = 0
            for row in list(self.rows.values()):
                if row.status == "failed" and (delivery_ids is None or row.id in delivery_ids):
                    self.rows[row.id] = replace(row, status="pending", next_attempt_at=T0)
                    n += 1
            return n

    def outbox_counts(self) -> dict[str, int]:
        with self._lock:
            counts = {"pending": 0, "sent": 0, "failed": 0}
            for r in self.rows.values():
                counts[r.status] += 1
            return counts

    def status_of(self, delivery_id: int) -> DeliveryStatus:
        return self.rows[delivery_id].status


@pytest.fixture
def outbox() -> MemoryOutbox:
    return MemoryOutbox()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


class WebhookReceiver:
    """A local HTTP endpoint that records each POST (headers, raw body) and answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []  # scripted; 204 afterwards
        self.retry_after: dict[int, str] = {429: "7"}  # Retry-After value sent with a status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if status in receiver.retry_after:
                    self.send_header("Retry-After", receiver.retry_after[status])
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def json(self, i: int) -> Any:
        return json.loads(self.requests[i][1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
