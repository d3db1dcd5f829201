"""Health and metrics: ``/healthz`` and ``/metrics`` on a loopback address.

A deliberately small HTTP/1.1 responder on asyncio streams (two GET routes need no framework):
``/healthz`` answers 200 while the loop and the scheduler are alive and 503 otherwise; ``/metrics``
is the Prometheus text format from a registry owned by the service (no global registry, so tests
and several services in one process never collide).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from crawler.crawl_runner import CrawlSummary
from scheduler.store import SourceState

logger = logging.getLogger(__name__)


class Metrics:
    """The service's Prometheus metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.fetches = Counter(
            "newswatch_fetches", "HTTP requests made by crawls", ["source"], registry=r
        )
        self.errors = Counter("newswatch_errors", "Crawl errors", ["source"], registry=r)
        self.not_modified = Counter(
            "newswatch_not_modified", "Feed or sitemap answered 304", ["source"], registry=r
        )
        self.new_articles = Counter(
            "newswatch_new_articles", "Articles stored", ["source"], registry=r
        )
        self.duplicates = Counter(
            "newswatch_duplicates", "Duplicate articles linked", ["source"], registry=r
        )
        self.matches = Counter("newswatch_matches", "Watchlist matches", ["source"], registry=r)
        self.crawl_seconds = Histogram(
            "newswatch_crawl_duration_seconds",
            "Duration of one crawl",
            ["source"],
            registry=r,
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
        )
        self.last_success = Gauge(
            "newswatch_source_last_success_timestamp_seconds",
            "Unix time of the last successful crawl",
            ["source"],
            registry=r,
        )
        self.source_failing = Gauge(
            "newswatch_source_failing",
            "1 while the source counts as failing",
            ["source"],
            registry=r,
        )
        self.deliveries = Counter(
            "newswatch_deliveries", "Outbox deliveries by outcome", ["result"], registry=r
        )
        self.outbox = Gauge("newswatch_outbox", "Outbox rows by status", ["status"], registry=r)
        self.job_errors = Counter(
            "newswatch_job_errors",
            "Scheduler jobs that failed or missed",
            ["job", "kind"],
            registry=r,
        )
        self.config_reloads = Counter(
            "newswatch_config_reloads", "Config reloads by result", ["result"], registry=r
        )
        self.ops_notices = Counter(
            "newswatch_ops_notices", "Notices sent to the ops channel", registry=r
        )

    def observe_crawl(self, s: CrawlSummary) -> None:
        src = s.source
        self.fetches.labels(source=src).inc(s.requests)
        self.errors.labels(source=src).inc(s.errors)
        self.not_modified.labels(source=src).inc(s.not_modified)
        self.new_articles.labels(source=src).inc(s.new_articles)
        self.duplicates.labels(source=src).inc(s.duplicates)
        self.matches.labels(source=src).inc(s.matches)
        self.crawl_seconds.labels(source=src).observe((s.finished - s.started).total_seconds())

    def observe_dispatch(self, stats: Any) -> None:
        for result in ("sent", "retried", "failed"):
            value = getattr(stats, result, 0)
            if value:
                self.deliveries.labels(result=result).inc(value)

    def source_last_success(self, state: SourceState) -> None:
        if state.last_success is not None:
            self.last_success.labels(source=state.name).set(state.last_success.timestamp())

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Alive(Protocol):
    metrics: Metrics

    def alive(self) -> bool: ...


class HealthServer:
    """Serves ``/healthz`` and ``/metrics`` for one service."""

    def __init__(self, listen: str, service: _Alive) -> None:
        host, _, port = listen.rpartition(":")
        self.host = host.strip("[]") or "127.0.0.1"
        self.port = int(port)
        self.service = service
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        sock = self._server.sockets[0].getsockname()
        self.port = sock[1]
        logger.info("health endpoint on http://%s:%d/healthz", self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (
                b"\r\n",
                b"\n",
                b"",
            ):
                pass  # headers are not needed
            parts = request.decode("latin-1").split()
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else ""
            if len(parts) < 2 or parts[0] not in ("GET", "HEAD"):
                status, ctype, body = "405 Method Not Allowed", "text/plain", b"GET only\n"
            elif path == "/healthz":
                ok = self.service.alive()
                status = "200 OK" if ok else "503 Service Unavailable"
                ctype, body = "text/plain", b"ok\n" if ok else b"unhealthy\n"
            elif path == "/metrics":
                status, ctype, body = "200 OK", CONTENT_TYPE_LATEST, self.service.metrics.render()
            else:
                status, ctype, body = "404 Not Found", "text/plain", b"not found\n"
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode() + (b"" if parts and parts[0] == "HEAD" else body))
            await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
