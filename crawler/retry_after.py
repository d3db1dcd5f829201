"""One parser for ``Retry-After`` (RFC 9110 §10.2.3), shared by the crawler and the notifiers.

The header is either delay-seconds (``120``) or an HTTP date (``Wed, 21 Oct 2015 07:28:00
GMT``); servers also send fractions (``1.5``), which we accept. A negative delay or a date in the
past means "now" (0). A delay or date further away than ``ceiling`` (one day unless the caller
says otherwise) is clamped to it: a server may ask us to wait, but ``100000000000000000000``
seconds or a date in the year 9999 would overflow every date sum downstream. Anything else
(empty, garbage, ``1e20``, ``inf``, ``nan``, non-ASCII digits) is None, so the caller falls back to
its own backoff.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

MAX_RETRY_AFTER = 86400.0  # seconds; no caller waits longer than a day on a server's word

# RFC 9110 delay-seconds is ASCII digits; a sign and a fraction are tolerated. Python's float()
# would also take exponents, "inf", "nan", underscores and any Unicode digit: none is a delay.
_DELAY = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?", re.ASCII)


def parse_retry_after(
    value: str | bytes | None,
    *,
    now: datetime | None = None,
    ceiling: float = MAX_RETRY_AFTER,
) -> float | None:
    """Seconds to wait according to a ``Retry-After`` value (0 to ``ceiling``), or None if
    absent or invalid."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    if _DELAY.fullmatch(text):
        return min(max(float(text), 0.0), ceiling)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # RFC 9110 dates are GMT
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), ceiling)


def retry_after_of(
    headers: Mapping[str, Any] | None,
    *,
    now: datetime | None = None,
    ceiling: float = MAX_RETRY_AFTER,
) -> float | None:
    """:func:`parse_retry_after` of the ``Retry-After`` entry of ``headers`` (any letter case)."""
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            return parse_retry_after(
                value if isinstance(value, str | bytes) else str(value), now=now, ceiling=ceiling
            )
    return None
