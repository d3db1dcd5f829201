"""URL hygiene for the crawler: canonical URLs and refusal of non-public addresses.

:func:`canonicalize_url` gives every story one spelling (lower-case scheme and host, no default
port, no fragment, no tracking parameters, sorted query) so that "seen before?" is a plain string
lookup. :func:`check_public_url` and :class:`AddressChecker` keep a feed from making the service
probe its own network: loopback, private, link-local, CGNAT, multicast, unspecified and cloud
metadata addresses are refused, including host names that *resolve* to them, and IPv6 addresses
that carry one inside (IPv4-mapped and -compatible, 6to4, Teredo, NAT64). Name resolution runs
on the event loop's ``getaddrinfo`` (a worker thread), never blocking the loop, and is cached
briefly. This is the early check, with a clear reason per request; the address a download
actually connects to is checked again by :mod:`crawler.resolver`, so DNS rebinding gains nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the click, never select the content.
_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "igshid",
        "igsh",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "oly_enc_id",
        "oly_anon_id",
        "vero_id",
        "vero_conv",
        "wickedid",
        "rb_clickid",
        "s_cid",
        "cmpid",
        "ncid",
        "sr_share",
        "at_medium",
        "at_campaign",
        "spm",
        "_ga",
        "_gl",
        "ocid",
        "smid",
        "soc_src",
        "soc_trk",
        "cvid",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Always refused, even with allow_private: no news lives at a cloud metadata endpoint.
_METADATA_IPS = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    }
)
_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# IPv6 prefixes that carry an IPv4 address in their low 32 bits: the well-known NAT64 prefix
# (RFC 6052) and the deprecated IPv4-compatible form (::a.b.c.d).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use, any embedding
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING_EXACT or low.startswith(_TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """Return the canonical spelling of ``url``: the key under which a story is stored.

    Scheme and host are lower-cased, default ports and fragments dropped, tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``, ``mc_cid``, ...) removed and the remaining query sorted. The
    path is kept as it is (paths are case-sensitive); an empty path becomes ``/``.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal: keep its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{host}"
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{netloc}:{port}"
    path = parts.path or ("/" if netloc else "")
    query_pairs = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    query = urlencode(sorted(query_pairs), doseq=False)
    return urlunsplit((scheme, netloc, path, query, ""))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries, with the name of the form."""
    found: list[tuple[str, ipaddress.IPv4Address]] = []
    if ip.ipv4_mapped is not None:
        found.append(("IPv4-mapped", ip.ipv4_mapped))
    if ip.sixtofour is not None:
        found.append(("6to4", ip.sixtofour))
    if ip.teredo is not None:
        server, client = ip.teredo
        found += [("Teredo", server), ("Teredo", client)]
    if ip in _NAT64:
        found.append(("NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1, judged on their own
        found.append(("IPv4-compatible", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return found


def _refusal_for_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return "private address (local-use NAT64)"
        for form, inner in _embedded_ipv4(ip):
            why = _refusal_for_ip(inner)
            if why is not None:
                return f"{why} ({form} form of {inner})"
        if ip in _NAT64:
            # DNS64 gives every IPv4-only site such an address on an IPv6-only network; with a
            # public address inside it is as public as that address.
            return None
    if ip in _METADATA_IPS:
        return "cloud metadata address"
    if ip.is_loopback:
        return "loopback address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "carrier-grade NAT address"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "private address"
    return None


@cache
def _suffix_list() -> Any:
    import tldextract

    # The snapshot bundled with tldextract: never fetched at run time (no network, no cache dir).
    # Private suffixes count (github.io, blogspot.com): two blogs there are two sites.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def registrable_domain(host: str) -> str:
    """The site ``host`` belongs to: ``news.bbc.co.uk`` -> ``bbc.co.uk``.

    IP literals and names under no known public suffix are their own site.
    """
    name = host.strip().strip("[]").rstrip(".").lower()
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
        return name
    except ValueError:
        pass
    parts = _suffix_list()(name)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return name


def same_site(url: str, other: str) -> bool:
    """Whether two URLs are on the same registrable domain."""
    a, b = urlsplit(url).hostname, urlsplit(other).hostname
    return bool(a and b) and registrable_domain(a or "") == registrable_domain(b or "")


def _refusal_for_host(host: str) -> str | None:
    """Why ``host`` (an IP literal or a name, without brackets) is refused, judging by itself."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if not name:
        return "no host"
    try:
        ip = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        ip = None
    if ip is not None:
        return _refusal_for_ip(ip)
    if name in _METADATA_HOSTS:
        return "cloud metadata address"
    if name == "localhost" or name.endswith(".localhost"):
        return "loopback address"
    return None


def is_metadata_refusal(reason: str | None) -> bool:
    """True when ``reason`` is the one refusal that ``allow_private`` does not lift."""
    return reason is not None and reason.startswith("cloud metadata address")


def refusal_for_address(address: str, *, allow_private: bool) -> str | None:
    """Why a download must not connect to ``address`` (an IP literal), or None; with
    ``allow_private`` only metadata addresses are refused."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    reason = _refusal_for_ip(ip)
    if reason is None or (allow_private and not is_metadata_refusal(reason)):
        return None
    return reason


def is_public_address(host_or_ip: str) -> bool:
    """True unless ``host_or_ip`` is a non-public IP literal or a known internal name.

    Names are judged as written (``localhost``, ``metadata.google.internal``); use
    :class:`AddressChecker` to also refuse names that resolve to non-public addresses.
    """
    return _refusal_for_host(host_or_ip) is None


def check_public_url(url: str) -> str | None:
    """The reason ``url`` is refused judging by its text alone, or None when it looks public."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return f"scheme {parts.scheme!r} is not http(s)"
    reason = _refusal_for_host(parts.hostname or "")
    return f"{reason} ({parts.hostname})" if reason else None


class AddressChecker:
    """Refuses URLs whose host is, or resolves to, a non-public address; caches lookups briefly.

    Resolution uses ``loop.getaddrinfo`` (the loop runs it in a worker thread), so checking never
    blocks the event loop. A name that does not resolve is not refused here: the download fails
    on its own with a clear DNS error.
    """

    def __init__(
        self,
        *,
        ttl: float = 60.0,
        max_entries: int = 4096,
        resolver: Callable[[str], Awaitable[list[str]]] | None = None,
    ) -> None:
        self._resolver = resolver or resolve_host
        self._ttl = ttl
        self._max_entries = max_entries
        self._cache: dict[str, tuple[float, str | None]] = {}

    def _cached(self, host: str) -> tuple[bool, str | None]:
        hit = self._cache.get(host)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def _remember(self, host: str, reason: str | None) -> None:
        if len(self._cache) >= self._max_entries:
            # Bounded memory over weeks: drop the whole cache rather than track ages.
            self._cache.clear()
        self._cache[host] = (time.monotonic() + self._ttl, reason)

    async def check_url(self, url: str) -> str | None:
        """Why ``url`` is refused, or None when its host resolves only to public addresses."""
        reason = check_public_url(url)
        if reason is not None:
            return reason
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
        found, cached = self._cached(host)
        if found:
            return cached
        reason = await self._resolve_reason(host)
        self._remember(host, reason)
        return reason

    async def _resolve_reason(self, host: str) -> str | None:
        try:
            addresses = await self._resolver(host)
        except (OSError, UnicodeError):
            return None
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.split("%", 1)[0])
            except ValueError:
                continue
            why = _refusal_for_ip(ip)
            if why is not None:
                return f"{why} ({host} resolves to {ip})"
        return None


async def resolve_host(host: str) -> list[str]:
    """Addresses of ``host`` through the running loop's ``getaddrinfo`` (a worker thread)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]
