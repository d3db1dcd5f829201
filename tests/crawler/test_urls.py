"""Table tests for canonical URLs and the refusal of non-public addresses."""

from __future__ import annotations

import pytest

from crawler.urls import (
    AddressChecker,
    canonicalize_url,
    check_public_url,
    is_metadata_refusal,
    is_public_address,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://Example.COM/News/Story.html", "https://example.com/News/Story.html"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#comments", "https://example.com/a"),
        (
            "https://example.com/a?utm_source=x&utm_medium=rss&utm_campaign=y",
            "https://example.com/a",
        ),
        ("https://example.com/a?id=3&utm_source=x", "https://example.com/a?id=3"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?fbclid=abc&gclid=def", "https://example.com/a"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&igshid=3", "https://example.com/a"),
        ("https://example.com/a?ref_src=twsrc&_hsenc=p2&UTM_Term=z", "https://example.com/a"),
        ("https://example.com/a?page=2&_hsmi=9#x", "https://example.com/a?page=2"),
        ("https://example.com/a?q=", "https://example.com/a?q="),
        ("https://example.com./a", "https://example.com/a"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
    ],
)
def test_canonicalize_url(raw: str, canonical: str) -> None:
    assert canonicalize_url(raw) == canonical


def test_canonicalize_is_idempotent() -> None:
    once = canonicalize_url("HTTP://A.example:80/x?utm_source=1&z=2&b=1#f")
    assert canonicalize_url(once) == once == "http://a.example/x?b=1&z=2"


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("example.com", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("::1", False),
        ("[::1]", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("100.127.255.254", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("fd00:ec2::254", False),
        ("::ffff:127.0.0.1", False),
        ("localhost", False),
        ("api.localhost", False),
        ("metadata.google.internal", False),
        ("", False),
    ],
)
def test_is_public_address(host: str, public: bool) -> None:
    assert is_public_address(host) is public


@pytest.mark.parametrize(
    ("url", "reason_part"),
    [
        ("http://127.0.0.1:8000/feed", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/latest", "cloud metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata"),
        ("http://10.0.0.5/", "private"),
        ("http://100.64.1.1/", "carrier-grade NAT"),
        ("ftp://example.com/file", "not http"),
    ],
)
def test_check_public_url_refuses(url: str, reason_part: str) -> None:
    reason = check_public_url(url)
    assert reason is not None and reason_part in reason


def test_check_public_url_accepts_public() -> None:
    assert check_public_url("https://techcrunch.com/feed/") is None


def test_metadata_refusal_is_distinguished() -> None:
    assert is_metadata_refusal(check_public_url("http://169.254.169.254/"))
    assert not is_metadata_refusal(check_public_url("http://127.0.0.1/"))
    assert not is_metadata_refusal(None)


async def test_address_checker_refuses_names_resolving_to_loopback() -> None:
    checker = AddressChecker(ttl=60)
    # "127.1" is no IP literal to Python, so it goes through the loop's getaddrinfo (a real
    # resolution, no network needed) and resolves to 127.0.0.1.
    reason = await checker.check_url("http://127.1:9/x")
    assert reason is not None and "loopback" in reason and "resolves to 127.0.0.1" in reason


async def test_address_checker_resolves_once_per_ttl_and_reads_every_address() -> None:
    calls: list[str] = []

    async def resolver(host: str) -> list[str]:
        calls.append(host)
        return {
            "news.example": ["93.184.216.34"],
            "intranet.example": ["93.184.216.34", "10.1.2.3"],
        }[host]

    checker = AddressChecker(ttl=60, resolver=resolver)
    assert await checker.check_url("https://news.example/a") is None
    assert await checker.check_url("https://NEWS.example/b") is None
    reason = await checker.check_url("https://intranet.example/")
    assert reason is not None and "private" in reason and "10.1.2.3" in reason
    assert calls == ["news.example", "intranet.example"]


async def test_address_checker_leaves_unresolvable_names_to_the_download() -> None:
    async def resolver(host: str) -> list[str]:
        raise OSError("Name or service not known")

    assert await AddressChecker(resolver=resolver).check_url("http://nowhere.example/") is None
