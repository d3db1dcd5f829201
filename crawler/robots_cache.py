"""What each host's robots.txt says, remembered for its lifetime by every crawl of the process.

The service runs thousands of small crawls a day, a batch of sources each; before this cache every
crawl downloaded each host's robots.txt again (1,350 robots.txt requests for 8,530 feed polls in
one measured run). One :class:`RobotsCache` per process (in :class:`crawler.services.CrawlServices`,
kept across config reloads) holds a :class:`RobotsVerdict` per origin (scheme, host and port), and
the robots.txt middleware asks it before downloading. Pure Python, no Scrapy, the clock injected.

The policy follows Google's documented handling of robots.txt (and RFC 9309):

- **2xx**: the rules apply for :data:`DEFAULT_LIFETIME` (24 h), or for the response's
  ``Cache-Control: max-age`` when that is shorter -- but never less than :data:`MIN_LIFETIME`
  (1 h), so a ``no-cache`` robots.txt does not bring back a download per crawl;
- **4xx** (404, 401, 403, 410...): no robots.txt, everything allowed, for the default lifetime;
- **5xx, 429, timeouts and network errors** ("unreachable"): everything disallowed for
  :data:`UNREACHABLE_LIFETIME` (10 min), then robots.txt is tried again. Google keeps this up for
  30 days before falling back to its last copy; we never fall back, a source stays blocked (and
  its health shows why) until its host answers robots.txt properly.

A verdict that is refused before it reaches the network (a private address, the crawl's deadline)
says nothing about the host and is not cached. The cache holds at most ``max_hosts`` origins and
forgets the least recently used one past that; an expired verdict is never used, so a changed
robots.txt applies within one lifetime.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

DEFAULT_LIFETIME = 24 * 3600.0  # seconds; Google caches robots.txt for up to 24 hours
MIN_LIFETIME = 3600.0  # the shortest max-age honoured
UNREACHABLE_LIFETIME = 600.0  # seconds a 5xx / 429 / network failure disallows everything
DEFAULT_MAX_HOSTS = 10_000

_MAX_AGE = re.compile(r"(?:^|[,\s])(s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_STORE = re.compile(r"(?:^|[,\s])(no-cache|no-store)(?:$|[,\s=])", re.IGNORECASE)

Kind = Literal["rules", "allow_all", "unreachable"]


class Rules(Protocol):
    """What a parsed robots.txt answers (Scrapy's ``RobotParser`` is one)."""

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class RobotsVerdict:
    """What one origin's robots.txt said, and until when it holds."""

    kind: Kind
    expires: float  # on the cache's clock
    rules: Rules | None = None  # the parsed file, for kind "rules"
    reason: str = ""  # why: "HTTP 404", "HTTP 503", "TimeoutError: ..."

    def allowed(self, url: str, user_agent: str | bytes) -> bool:
        """Whether ``user_agent`` may fetch ``url`` under this verdict."""
        if self.kind == "allow_all":
            return True
        if self.kind == "unreachable":
            return False
        assert self.rules is not None
        return self.rules.allowed(url, user_agent)


def lifetime_from_cache_control(value: str | None, default: float = DEFAULT_LIFETIME) -> float:
    """The lifetime a 2xx robots.txt gets from its ``Cache-Control`` header.

    A shorter ``max-age`` (or ``s-maxage``) is honoured down to :data:`MIN_LIFETIME`;
    ``no-cache`` / ``no-store`` count as that minimum; a longer one is capped at ``default``.
    """
    if not value:
        return default
    ages = [int(m.group(2)) for m in _MAX_AGE.finditer(value)]
    if ages:
        return max(MIN_LIFETIME, min(float(min(ages)), default))
    if _NO_STORE.search(value):
        return MIN_LIFETIME
    return default


class RobotsCache:
    """Robots verdicts by origin, shared by every crawl of one process (see the module doc)."""

    def __init__(
        self,
        *,
        lifetime: float = DEFAULT_LIFETIME,
        unreachable_lifetime: float = UNREACHABLE_LIFETIME,
        max_hosts: int = DEFAULT_MAX_HOSTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lifetime = lifetime
        self.unreachable_lifetime = unreachable_lifetime
        self.max_hosts = max(max_hosts, 1)
        self.clock = clock
        self._verdicts: OrderedDict[str, RobotsVerdict] = OrderedDict()
        # Origins whose robots.txt one crawl is downloading -> what the others wait with.
        self._pending: dict[str, list[Callable[[RobotsVerdict | None], object]]] = {}
        self.fetches = 0  # robots.txt verdicts stored (downloads that said something)

    def __len__(self) -> int:
        return len(self._verdicts)

    def get(self, origin: str) -> RobotsVerdict | None:
        """The verdict for ``origin`` if it still holds; None when it must be (re)fetched."""
        verdict = self._verdicts.get(origin)
        if verdict is None:
            return None
        if verdict.expires <= self.clock():
            del self._verdicts[origin]
            return None
        self._verdicts.move_to_end(origin)
        return verdict

    def claim(self, origin: str) -> bool:
        """Whether the caller should download ``origin``'s robots.txt (nobody else is).

        A caller that gets True must call :meth:`release` when done, whatever happens.
        """
        if origin in self._pending:
            return False
        self._pending[origin] = []
        return True

    def wait(self, origin: str, wake: Callable[[RobotsVerdict | None], object]) -> None:
        """Call ``wake`` with the verdict the pending download of ``origin`` comes to.

        ``wake(None)``: that download was abandoned (its crawl was cancelled or closed) without
        a verdict, and the waiter should try itself. Each waiter has its own callback: one
        shared Deferred is what let Scrapy 2.19's middleware hand the parser to one waiter only.
        """
        if origin not in self._pending:
            wake(self.get(origin))
            return
        self._pending[origin].append(wake)

    def release(self, origin: str, verdict: RobotsVerdict | None) -> None:
        """End the download claimed for ``origin``: wake every waiter with ``verdict``."""
        for wake in self._pending.pop(origin, []):
            wake(verdict)

    def _put(self, origin: str, verdict: RobotsVerdict) -> RobotsVerdict:
        self.fetches += 1
        self._verdicts[origin] = verdict
        self._verdicts.move_to_end(origin)
        while len(self._verdicts) > self.max_hosts:
            self._verdicts.popitem(last=False)
        return verdict

    def store_response(
        self,
        origin: str,
        status: int,
        rules: Callable[[], Rules],
        cache_control: str | None = None,
    ) -> RobotsVerdict:
        """Remember the answer of ``origin``'s robots.txt; ``rules`` parses a 2xx body."""
        now = self.clock()
        if 200 <= status < 300:
            lifetime = lifetime_from_cache_control(cache_control, self.lifetime)
            return self._put(origin, RobotsVerdict("rules", now + lifetime, rules()))
        if status >= 500 or status == 429:
            return self.store_unreachable(origin, f"HTTP {status}")
        # 4xx, and the odd 1xx/3xx left after redirects: no usable robots.txt, allow all.
        return self._put(
            origin, RobotsVerdict("allow_all", now + self.lifetime, None, f"HTTP {status}")
        )

    def store_unreachable(self, origin: str, reason: str) -> RobotsVerdict:
        """Remember that ``origin``'s robots.txt could not be had (5xx, 429, network error)."""
        expires = self.clock() + self.unreachable_lifetime
        return self._put(origin, RobotsVerdict("unreachable", expires, None, reason))
