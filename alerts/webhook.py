"""Webhook notifier: POSTs the alert (or digest) as JSON to any URL with httpx, signed when the
channel has a secret: ``X-Newswatch-Timestamp: <unix seconds>`` and ``X-Newswatch-Signature:
sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">``, so the receiver can check that the body came
from us, was not altered, and is fresh (a captured request replayed later has an old timestamp;
:func:`verify` refuses one older than five minutes), as Slack and Stripe sign theirs.

2xx is delivered; 408, 425, 429 (with ``Retry-After``) and 5xx are temporary; other 4xx are
permanent (the receiver refused this body and will refuse it again).

A body never exceeds :attr:`WebhookNotifier.body_maxlen` bytes: past it, the free-text fields
(title, lead, evidence sentences, notice text) are cut ever shorter, then a digest drops its
last alerts; the JSON stays valid and says ``"truncated": true`` (and ``"omitted": n``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, ClassVar

import httpx

from alerts.channels import WebhookChannel
from alerts.errors import PermanentDeliveryError, TemporaryDeliveryError
from alerts.model import Alert, Notice
from alerts.render import Digest, message_json, truncate
from crawler.retry_after import retry_after_of

SIGNATURE_HEADER = "X-Newswatch-Signature"
TIMESTAMP_HEADER = "X-Newswatch-Timestamp"
MAX_SIGNATURE_AGE = 300.0  # seconds a receiver should accept a timestamp away from its clock
_TEMPORARY_STATUS = frozenset({408, 425, 429})
# Keys whose strings are scraped or free text, cut to fit; URLs, names and ids are kept whole.
_TEXT_KEYS = frozenset({"title", "lead", "text", "summary"})
_TEXT_CAPS = (4096, 1024, 256, 64)


def sign(body: bytes, secret: str, timestamp: str) -> str:
    """The signature header value: ``sha256=<hex HMAC of "{timestamp}.{body}">``."""
    message = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    body: bytes,
    secret: str,
    header: str,
    timestamp: str,
    *,
    max_age: float = MAX_SIGNATURE_AGE,
    now: float | None = None,
) -> bool:
    """Whether ``header`` signs ``timestamp`` + ``body`` and the timestamp is fresh."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > max_age:
        return False
    return hmac.compare_digest(sign(body, secret, timestamp), header)


class WebhookNotifier:
    """POSTs JSON alerts to one URL."""

    kind: ClassVar[str] = "webhook"
    body_maxlen: ClassVar[int] = 256 * 1024  # bytes of JSON in one POST

    def __init__(self, config: WebhookChannel) -> None:
        self.config = config
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.config.timeout.total_seconds(),
                trust_env=False,
                follow_redirects=False,
            )
        return self._client

    def body(self, message: Alert | Digest | Notice) -> bytes:
        """The exact bytes sent (and signed): at most :attr:`body_maxlen` of valid JSON."""
        data = message_json(message)
        raw = _dump(data)
        if len(raw) <= self.body_maxlen:
            return raw
        for cap in _TEXT_CAPS:
            data = _cap_text(data, cap)
            data["truncated"] = True
            raw = _dump(data)
            if len(raw) <= self.body_maxlen:
                return raw
        alerts = data.get("alerts")
        if isinstance(alerts, list):
            # A digest of many alerts: drop from the end, by halves, until it fits.
            total = len(alerts)
            while alerts and len(raw) > self.body_maxlen:
                del alerts[len(alerts) // 2 :]
                data["omitted"] = total - len(alerts)
                raw = _dump(data)
        if len(raw) > self.body_maxlen:
            raise PermanentDeliveryError(
                f"webhook: body of {len(raw)} bytes over body_maxlen {self.body_maxlen} even "
                "with every text cut",
                channel=self.config.name,
            )
        return raw

    async def send(self, message: Alert | Digest | Notice) -> None:
        """POST ``message``; raise a typed error unless the receiver answers 2xx."""
        cfg = self.config
        body = self.body(message)
        headers = {
            **cfg.headers,
            "Content-Type": "application/json",
            "User-Agent": "newswatch-webhook/0.1",
        }
        if cfg.secret is not None:
            timestamp = str(int(time.time()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(body, cfg.secret.get_secret_value(), timestamp)
        try:
            response = await self._http().post(str(cfg.url), content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise TemporaryDeliveryError(
                f"webhook: no answer within {cfg.timeout.total_seconds():g}s", channel=cfg.name
            ) from exc
        except httpx.HTTPError as exc:
            raise TemporaryDeliveryError(
                f"webhook: {type(exc).__name__}: {exc}", channel=cfg.name
            ) from exc
        status = response.status_code
        if 200 <= status < 300:
            return
        what = f"webhook: HTTP {status} {response.reason_phrase}".rstrip()
        if status >= 500 or status in _TEMPORARY_STATUS:
            retry_after = retry_after_of(response.headers)
            raise TemporaryDeliveryError(what, retry_after=retry_after, channel=cfg.name)
        raise PermanentDeliveryError(what, channel=cfg.name)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _cap_text(data: Any, cap: int) -> Any:
    """``data`` with every string under a text key cut to ``cap`` characters."""
    if isinstance(data, dict):
        return {
            k: truncate(v, cap) if k in _TEXT_KEYS and isinstance(v, str) else _cap_text(v, cap)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_cap_text(v, cap) for v in data]
    return data
