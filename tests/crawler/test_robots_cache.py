"""robots.txt is downloaded once per host per lifetime, for every crawl of the process.

The pure cache on its own (lifetimes, Cache-Control, LRU bound, waiters), then real batch crawls
of the fixture site in one child process, the way the service crawls: several batches of sources
on one host download its robots.txt once, an expired verdict is fetched again (the clock is moved,
nothing sleeps), a cached disallow still refuses, a 5xx disallows the host for a while and a 4xx
allows everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.robots_cache import (
    DEFAULT_LIFETIME,
    MIN_LIFETIME,
    UNREACHABLE_LIFETIME,
    RobotsCache,
    RobotsVerdict,
    lifetime_from_cache_control,
)
from tests.crawler.robots_helper import FakeClock, run_steps
from tests.servers.site import FixtureSite, site  # noqa: F401  (the fixture)


class _Rules:
    """Disallows every URL containing ``/private/``."""

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return "/private/" not in str(url)


def _rules() -> _Rules:
    return _Rules()


# --- the cache on its own ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lifetime"),
    [
        (None, DEFAULT_LIFETIME),
        ("public", DEFAULT_LIFETIME),
        ("max-age=7200", 7200.0),
        ("public, max-age=7200, must-revalidate", 7200.0),
        ("s-maxage=5400, max-age=7200", 5400.0),
        ("max-age=60", MIN_LIFETIME),  # floor: no download per crawl
        ("max-age=0", MIN_LIFETIME),
        ("no-cache", MIN_LIFETIME),
        ("no-store", MIN_LIFETIME),
        ("max-age=999999", DEFAULT_LIFETIME),  # never longer than a day
        ('max-age="7200"', 7200.0),
        ("max-age=junk", DEFAULT_LIFETIME),
    ],
)
def test_lifetime_from_cache_control(header: str | None, lifetime: float) -> None:
    assert lifetime_from_cache_control(header) == lifetime


def test_verdicts_by_status_and_their_lifetimes() -> None:
    clock = FakeClock()
    cache = RobotsCache(clock=clock)
    ok = cache.store_response("http://a", 200, _rules)
    gone = cache.store_response("http://b", 404, _rules)
    busy = cache.store_response("http://c", 503, _rules)
    limited = cache.store_response("http://d", 429, _rules)
    forbidden = cache.store_response("http://e", 403, _rules)
    assert ok.kind == "rules" and ok.expires == clock.now + DEFAULT_LIFETIME
    assert ok.allowed("http://a/news/1", "bot") and not ok.allowed("http://a/private/1", "bot")
    assert gone.kind == forbidden.kind == "allow_all"
    assert (
        gone.allowed("http://b/private/1", "bot") and gone.expires == clock.now + DEFAULT_LIFETIME
    )
    assert busy.kind == limited.kind == "unreachable" and busy.reason == "HTTP 503"
    assert not busy.allowed("http://c/", "bot")
    assert busy.expires == clock.now + UNREACHABLE_LIFETIME
    assert cache.fetches == 5

    clock.now += UNREACHABLE_LIFETIME
    assert cache.get("http://c") is None  # tried again after the short lifetime
    assert cache.get("http://a") is ok
    clock.now += DEFAULT_LIFETIME
    assert cache.get("http://a") is None and cache.get("http://b") is None


def test_a_short_max_age_is_honoured() -> None:
    clock = FakeClock()
    cache = RobotsCache(clock=clock)
    cache.store_response("http://a", 200, _rules, "max-age=7200")
    clock.now += 7199
    assert cache.get("http://a") is not None
    clock.now += 1
    assert cache.get("http://a") is None


def test_the_least_recently_used_host_is_forgotten_past_the_cap() -> None:
    cache = RobotsCache(max_hosts=3, clock=FakeClock())
    for host in ("a", "b", "c"):
        cache.store_response(f"http://{host}", 404, _rules)
    assert cache.get("http://a") is not None  # a is now the most recently used
    cache.store_response("http://d", 404, _rules)
    assert len(cache) == 3
    assert cache.get("http://b") is None
    assert all(cache.get(f"http://{h}") is not None for h in ("a", "c", "d"))


def test_one_download_at_a_time_and_every_waiter_gets_the_verdict() -> None:
    cache = RobotsCache(clock=FakeClock())
    woken: list[Any] = []
    assert cache.claim("http://a")
    assert not cache.claim("http://a")  # another crawl: wait instead
    for _ in range(3):
        cache.wait("http://a", woken.append)
    verdict = cache.store_response("http://a", 200, _rules)
    cache.release("http://a", verdict)
    assert woken == [verdict, verdict, verdict]
    # Abandoned (the downloading crawl was cancelled): waiters hear None and may claim it.
    assert cache.claim("http://b")
    cache.wait("http://b", woken.append)
    cache.release("http://b", None)
    assert woken[-1] is None and cache.claim("http://b")
    # Nobody downloading: a waiter is answered at once from the cache.
    late: list[RobotsVerdict | None] = []
    cache.wait("http://a", late.append)
    assert late == [verdict]


# --- real crawls, several per process ------------------------------------------------------------


def _feed(on: FixtureSite, i: int, path: str = "feeds/latest.rss.xml") -> dict[str, Any]:
    return {"name": f"feed-{i}", "feed": on.url(f"{path}?copy={i}")}


def _race(on: FixtureSite, name: str) -> dict[str, Any]:
    """A listing on the main host linking one allowed and four disallowed stories on the other."""
    return {"name": name, "listing": on.url("robots-race.html"), "links": "a.story"}


def _robots(on: FixtureSite, server: str) -> int:
    return on.paths(server).count("/robots.txt")


@pytest.mark.e2e
def test_robots_txt_once_per_host_across_batches_until_it_expires(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    site.robots_delay = 0.3  # two cold crawls overlap while robots.txt downloads
    steps: list[dict[str, Any]] = [
        # Two batches at once on two cold hosts: each robots.txt downloaded once, shared.
        {"batches": [[_feed(site, 0), _feed(site, 1), _race(site, "race-a")], [_feed(site, 2)]]},
        # Later batches, same hosts: from the cache; the cached disallow still refuses.
        {"batches": [[_feed(site, 3), _feed(site, 4)], [_race(site, "race-b")]]},
        {"batches": [[_feed(site, i) for i in range(5, 9)]]},
        {"advance": DEFAULT_LIFETIME - 1},
        {"batches": [[_feed(site, 9), _race(site, "race-c")]]},
        {"advance": 1},  # now expired: fetched again, once per host
        {"batches": [[_feed(site, 10), _race(site, "race-d")], [_feed(site, 11)]]},
    ]
    results = run_steps(tmp_path, steps)
    for step, result in zip(steps, results, strict=True):
        if "batches" in step:
            assert all(r["error"] is None for r in result.values()), result
    main, other = site.paths("main"), site.paths("other")
    assert (_robots(site, "main"), _robots(site, "other")) == (2, 2), (main, other)
    # Every feed was polled; robots.txt came before the first poll, and again only after expiry.
    assert len([p for p in main if p.startswith("/feeds/")]) == 12
    first, again = (i for i, p in enumerate(main) if p == "/robots.txt")
    assert first == 0
    assert main.index("/feeds/latest.rss.xml?copy=9") < again
    assert again < main.index("/feeds/latest.rss.xml?copy=10")
    # The disallow held in all four listing crawls, from the cache and after expiry alike.
    assert main.count("/robots-race.html") == 4
    assert [p for p in other if p.startswith("/private/")] == []
    assert other.count("/news/allowed.html") == 1  # known after the first crawl


@pytest.mark.e2e
def test_5xx_disallows_the_host_for_a_while_and_4xx_allows_everything(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    site.answer_robots(503, 404)  # then the real file
    private_feed = {"name": "private", "feed": site.url("private/feed.xml")}
    results = run_steps(
        tmp_path,
        [
            {"batches": [[_feed(site, 0)]]},  # robots.txt 503: the feed is not fetched
            {"batches": [[_feed(site, 1)]]},  # still disallowed, from the cache
            {"advance": UNREACHABLE_LIFETIME},
            {"batches": [[_feed(site, 2), private_feed]]},  # 404: everything allowed
            {"batches": [[private_feed]]},  # still allowed, from the cache
            {"advance": DEFAULT_LIFETIME},
            {"batches": [[_feed(site, 3), private_feed]]},  # the real file: /private/ refused
        ],
    )
    # (The feed's stories, downloaded after its first poll, are left out.)
    main = [p for p in site.paths("main") if not p.startswith("/news/")]
    assert main[:2] == ["/robots.txt", "/robots.txt"]  # 503 (one try: retries = 0), then 404
    assert sorted(main[2:4]) == ["/feeds/latest.rss.xml?copy=2", "/private/feed.xml"]
    assert main[4:] == ["/private/feed.xml", "/robots.txt", "/feeds/latest.rss.xml?copy=3"]
    for step in (0, 1):
        (summary,) = results[step].values()
        assert "robots.txt unreachable (HTTP 503)" in summary["error"], summary
    assert results[3]["feed-2"]["error"] is None
    assert "HTTP 404" in results[3]["private"]["error"]  # fetched: the site has no such file
    assert "HTTP 404" in results[4]["private"]["error"]
    assert results[6]["feed-3"]["error"] is None
    assert "Forbidden by robots.txt" in results[6]["private"]["error"]


@pytest.mark.e2e
def test_a_shorter_max_age_of_robots_txt_is_honoured(
    site: FixtureSite,  # noqa: F811
    tmp_path: Path,
) -> None:
    site.reset()
    site.answer_robots(200, headers={"Cache-Control": "public, max-age=7200"})
    run_steps(
        tmp_path,
        [
            {"batches": [[_feed(site, 0)]]},
            {"advance": 7199},
            {"batches": [[_feed(site, 1)]]},  # still fresh
            {"advance": 1},
            {"batches": [[_feed(site, 2)]]},  # two hours old: fetched again
        ],
    )
    main = [p for p in site.paths("main") if not p.startswith("/news/")]
    assert main == [
        "/robots.txt",
        "/feeds/latest.rss.xml?copy=0",
        "/feeds/latest.rss.xml?copy=1",
        "/robots.txt",
        "/feeds/latest.rss.xml?copy=2",
    ]
