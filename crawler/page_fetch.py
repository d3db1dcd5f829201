"""One guarded page fetch, outside Scrapy, for the commands that take a URL
(``newswatch extract URL``, ``newswatch match URL``).

A URL typed on the command line is as untrusted as a link in a feed (it may have been pasted from
one), so the crawler's rules apply: only http(s); no loopback, private, link-local or metadata
targets (:mod:`crawler.urls`), checked on the URL's text *and* on every address a connection is
about to use (so a name that resolves to ``127.0.0.1`` gains nothing, nor does DNS rebinding);
``allow_private`` lifts the refusal except for metadata, as in the crawler. Redirects are
followed by hand, one hop at a time, each hop checked again. The body is read as a stream and
decompressed here, bounded by ``max_size`` (the crawler's download limit) on both the bytes on
the wire and the bytes they unpack to, so a gzip bomb stops at the limit instead of at a
MemoryError. ``timeout`` bounds the whole fetch, redirects included, not just each read.

Every failure is a :class:`FetchError` with a one-line reason.
"""

from __future__ import annotations

import logging
import socket
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from crawler.urls import check_public_url, is_metadata_refusal, refusal_for_address

MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DECODED = ("gzip", "x-gzip", "deflate")

Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """A page that could not be fetched; the message is one line saying why."""


class RefusedAddress(FetchError):
    """The URL or an address it resolves to is not one newswatch fetches."""


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A fetched page: its final URL, the (decoded) body, and the charset its header names."""

    url: str
    body: bytes
    charset: str | None
    status: int


def system_resolver(host: str, port: int) -> list[str]:
    """Addresses of ``host`` from the system resolver, in its order of preference."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, refuses the connection if any address is not public, and
    connects to the very addresses it checked."""

    def __init__(self, *, allow_private: bool, resolve: Resolver) -> None:
        self.allow_private = allow_private
        self.resolve = resolve

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self.resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        for address in addresses:
            reason = refusal_for_address(address, allow_private=self.allow_private)
            if reason is not None:
                raise RefusedAddress(f"refused {host}: it resolves to {address} ({reason})")
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error


class _Unpacker:
    """Decodes a Content-Encoding with every output bounded by what the limit leaves."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._gzip = encoding in ("gzip", "x-gzip")
        self._zlib: Any = None
        if encoding in _DECODED:
            # 47: zlib or gzip header, detected; raw deflate (a common "deflate") is tried below.
            self._zlib = zlib.decompressobj(47 if self._gzip else zlib.MAX_WBITS)
        self._first = True

    def feed(self, chunk: bytes) -> bytes:
        if self._zlib is None:
            out = chunk
        else:
            room = self.limit - self.size
            try:
                out = self._zlib.decompress(chunk, room + 1)
            except zlib.error as exc:
                if not (self._first and not self._gzip):
                    raise FetchError(f"corrupt compressed body: {exc}") from None
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(chunk)
            self._first = False
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError(f"body larger than the {self.limit}-byte limit")
        return out


class PageFetcher:
    """Fetches pages one at a time under the crawler's address guard and limits."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float,
        max_size: int,
        allow_private: bool = False,
        max_redirects: int = MAX_REDIRECTS,
        resolve: Resolver = system_resolver,
    ) -> None:
        self.timeout = timeout
        self.max_size = max_size
        self.allow_private = allow_private
        self.max_redirects = max_redirects
        transport = httpx.HTTPTransport(trust_env=False)
        # httpx has no public hook for the connect step; its pool takes a network backend, and
        # that is where the address the socket uses can be checked.
        pool = transport._pool
        assert isinstance(pool, httpcore.ConnectionPool)
        pool._network_backend = _GuardedBackend(allow_private=allow_private, resolve=resolve)
        self._client = httpx.Client(
            transport=transport,
            headers={"User-Agent": user_agent, "Accept-Encoding": ", ".join(_DECODED)},
            follow_redirects=False,
            trust_env=False,
        )
        # httpx logs every request line (full URL, query tokens included) at INFO and httpcore
        # every socket step at DEBUG: the command prints its own one line per page instead.
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)

    def __enter__(self) -> PageFetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _check_url(self, url: str) -> None:
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise RefusedAddress(f"refused {url}: not an http(s) URL")
        reason = check_public_url(url)
        if reason is not None and not (self.allow_private and not is_metadata_refusal(reason)):
            raise RefusedAddress(f"refused {url}: {reason}")

    def fetch(self, url: str) -> FetchedPage:
        """GET ``url`` following checked redirects; raise :class:`FetchError` on any failure."""
        deadline = time.monotonic() + self.timeout
        for _ in range(self.max_redirects + 1):
            self._check_url(url)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"no complete answer within {self.timeout:g}s")
            try:
                page, location = self._get(url, deadline, remaining)
            except httpx.TimeoutException:
                raise FetchError(f"no complete answer within {self.timeout:g}s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{type(exc).__name__}: {_one_line(exc)}") from None
            if page is not None:
                return page
            assert location is not None
            url = location
        raise FetchError(f"more than {self.max_redirects} redirects")

    def _get(
        self, url: str, deadline: float, remaining: float
    ) -> tuple[FetchedPage | None, str | None]:
        with self._client.stream("GET", url, timeout=remaining) as response:
            status = response.status_code
            if status in _REDIRECTS and "location" in response.headers:
                return None, urljoin(url, response.headers["location"])
            if status >= 400:
                raise FetchError(f"HTTP {status} {response.reason_phrase}".rstrip())
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_size:
                raise FetchError(f"body of {declared} bytes is over the {self.max_size}-byte limit")
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in (*_DECODED, "identity", ""):
                raise FetchError(f"unsupported Content-Encoding {encoding!r}")
            body = b"".join(self._read(response.iter_raw(), encoding, deadline))
            return FetchedPage(str(response.url), body, response.charset_encoding, status), None

    def _read(self, raw: Iterator[bytes], encoding: str, deadline: float) -> Iterator[bytes]:
        unpacker = _Unpacker(encoding, self.max_size)
        wire = 0
        for chunk in raw:
            wire += len(chunk)
            if wire > self.max_size:
                raise FetchError(f"body larger than the {self.max_size}-byte limit")
            if time.monotonic() > deadline:
                raise FetchError(f"no complete answer within {self.timeout:g}s")
            yield unpacker.feed(chunk)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
