"""One parser for ``Retry-After`` (RFC 9110 §10.2.3), shared by the crawler and the notifiers.

The header is either delay-seconds (``120``) or an HTTP date (``Wed, 21 Oct 2015 07:28:00
GMT``); servers also send fractions (``1.5``), which we accept. A negative delay or a date in the
past means "now" (0); anything else (empty, garbage, ``nan``) is None, so the caller falls back to
its own backoff.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any


def parse_retry_after(value: str | bytes | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` value, or None if absent or invalid."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # RFC 9110 dates are GMT
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_after_of(
    headers: Mapping[str, Any] | None, *, now: datetime | None = None
) -> float | None:
    """:func:`parse_retry_after` of the ``Retry-After`` entry of ``headers`` (any letter case)."""
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            return parse_retry_after(
                value if isinstance(value, str | bytes) else str(value), now=now
            )
    return None
