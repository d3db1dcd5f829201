"""``/healthz`` and ``/metrics`` on a loopback address.

A deliberately small HTTP/1.1 responder on asyncio streams (two GET routes need no framework):
``/healthz`` answers 200 while the loop and the scheduler are alive and the store answers
(:class:`StoreHealth`, probed on the heartbeat), 503 otherwise; ``/metrics`` is the Prometheus
text format of the service's :class:`~scheduler.metrics.Metrics`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from scheduler.metrics import Metrics
    from scheduler.store import Store

logger = logging.getLogger(__name__)


class StoreHealth:
    """The store's last probe: :attr:`problem` is None while it answers, else the reason."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.problem: str | None = None

    async def check(self, store: Store) -> None:
        """Probe ``store`` off the loop; log once when it turns bad and once when it recovers."""
        try:
            problem = await asyncio.wait_for(asyncio.to_thread(store.probe), self.timeout)
        except TimeoutError:
            problem = f"the store did not answer within {self.timeout:g}s"
        except Exception as exc:  # a probe that breaks is a store that cannot be trusted
            problem = f"{type(exc).__name__}: {exc}"
        if problem is not None and self.problem is None:
            logger.error("store unhealthy: %s", problem)
        elif problem is None and self.problem is not None:
            logger.info("store healthy again")
        self.problem = problem


class _Alive(Protocol):
    metrics: Metrics

    def alive(self) -> bool: ...


# What a person who opens the address in a browser, or curls it, is told.
_INDEX = (
    b"newswatch\n"
    b"  /healthz  200 while the service, its scheduler and its store are alive; 503 otherwise\n"
    b"  /metrics  Prometheus metrics (crawls, articles, matches, deliveries, outbox)\n"
)


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
            elif path == "/":
                status, ctype, body = "200 OK", "text/plain", _INDEX
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
