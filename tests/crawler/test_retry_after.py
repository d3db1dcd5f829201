"""The one Retry-After parser: forms RFC 9110 allows, fractions, junk, and header lookup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from crawler.retry_after import MAX_RETRY_AFTER, parse_retry_after, retry_after_of

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_fractions_and_negative_delays() -> None:
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-4") == 0.0


def test_non_finite_values_are_ignored() -> None:
    assert parse_retry_after("nan") is None
    assert parse_retry_after("inf") is None


def test_header_lookup_ignores_letter_case() -> None:
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert retry_after_of({"retry-after": later}, now=NOW) == 30.0
    assert retry_after_of({"Retry-After": "12"}) == 12.0
    assert retry_after_of({"Content-Type": "text/plain"}) is None
    assert retry_after_of(None) is None


@pytest.mark.parametrize("junk", ["1e20", "-inf", "1e400", "0x10", "1_000", "١٢", "soon", "  "])
def test_junk_is_ignored(junk: str) -> None:
    assert parse_retry_after(junk) is None


def test_far_waits_are_clamped_to_the_ceiling() -> None:
    assert parse_retry_after("9" * 400) == MAX_RETRY_AFTER
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now=NOW) == MAX_RETRY_AFTER
    assert parse_retry_after("Wed, 21 Oct 99999 07:28:00 GMT") is None
    assert parse_retry_after("600", ceiling=60) == 60.0
    assert retry_after_of({"Retry-After": "600"}, ceiling=60) == 60.0
