"""Latency benchmark: a story's way from the feed to Slack, with the poll wait kept apart.

Runs ``newswatch run`` as a subprocess (as users do) with one feed source polled every ``--every``
seconds and a Slack channel pointing at the fake Slack Web API. A local feed server publishes
relevant stories at random moments (Poisson arrivals, mean gap ``--every``, from a fresh seed each
run unless ``--seed`` is given), independent of the polls and of the alerts, so each story lands at
a random phase of the poll cycle. For each story three instants are taken: published (added to
the feed), served (the first feed answer that carries it goes out to a poll), alerted (the fake
Slack receives its message). Prints one JSON object with p50 / p95 / max of:

- ``pipeline_ms`` -- served -> alerted: fetch the page, extract, match, store, deliver (stories
  that arrive in one poll then wait for Slack's pace of about a message a second, so
  ``pipeline_first_of_poll_ms`` gives the first story of each poll alone);
- ``poll_wait_seconds`` -- published -> served: waiting for the next poll (uniform over the
  cadence when phases are random, so its mean is about ``every / 2``);
- ``total_seconds`` -- published -> alerted (target: p95 <= cadence + 2 s).

    python bench/latency.py [--stories 20] [--every 5] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.servers.fake_slack import FakeSlack  # noqa: E402

BUYERS = ["Meta", "Microsoft", "Nvidia", "Amazon", "Google", "Apple", "Salesforce", "Oracle"]
TARGETS = [
    "Mistral AI",
    "Cohere",
    "Perplexity",
    "Runway",
    "Character.AI",
    "Glean",
    "Harvey",
    "Cursor",
    "ElevenLabs",
    "Hugging Face",
    "Together AI",
    "Groq",
    "Cerebras",
    "Adept",
]
WORDS = [
    "market",
    "regulators",
    "analysts",
    "investors",
    "engineers",
    "platform",
    "customers",
    "revenue",
    "growth",
    "model",
    "training",
    "inference",
    "chips",
    "cloud",
    "strategy",
    "partnership",
    "competition",
    "startup",
    "funding",
    "valuation",
    "board",
    "shareholders",
    "talent",
    "research",
    "product",
    "launch",
    "developers",
    "enterprise",
    "software",
]


class Story:
    def __init__(self, n: int, rng: random.Random) -> None:
        self.n = n
        self.buyer = rng.choice(BUYERS)
        self.target = rng.choice(TARGETS)
        amount = rng.randint(2, 90)
        self.title = f"{self.buyer} agrees to acquire {self.target} for ${amount} billion (#{n})"
        filler = " ".join(rng.choice(WORDS) for _ in range(220))
        self.body = (
            f"<p>{self.buyer} has agreed to acquire the AI start-up {self.target} for about "
            f"${amount} billion, the companies said on Tuesday.</p>"
            f"<p>The acquisition brings {self.target}'s researchers and models to {self.buyer}, "
            f"which has been racing to build its own AI products.</p><p>{filler}.</p>"
        )
        self.published = datetime.now(UTC)
        self.at = 0.0  # time.monotonic() when it entered the feed
        self.served: float | None = None  # ... when a feed answer first carried it to a poll


class FeedSite:
    """A feed that grows while the benchmark runs, with ETag support, and its article pages."""

    def __init__(self) -> None:
        self.stories: list[Story] = []
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with site.lock:
                    stories = list(site.stories)
                if self.path.startswith("/feed.xml"):
                    etag = f'"{len(stories)}"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    body = site.feed(stories).encode()
                    ctype = "application/rss+xml"
                    carried = stories
                elif self.path.startswith("/story/"):
                    n = int(self.path.split("/")[2].split(".")[0])
                    story = stories[n]
                    body = (
                        f"<html><head><title>{story.title}</title></head><body><article>"
                        f"<h1>{story.title}</h1>{story.body}</article></body></html>"
                    ).encode()
                    etag, ctype, carried = "", "text/html; charset=utf-8", []
                elif self.path == "/robots.txt":
                    body, etag, ctype = b"User-agent: *\nAllow: /\n", "", "text/plain"
                    carried = []
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                served = time.monotonic()
                with site.lock:
                    for story in carried:
                        if story.served is None:
                            story.served = served

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def feed(self, stories: list[Story]) -> str:
        items = "".join(
            f"<item><title>{s.title}</title><link>{self.base}/story/{s.n}.html</link>"
            f"<pubDate>{format_datetime(s.published)}</pubDate></item>"
            for s in reversed(stories)
        )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
            f"<link>{self.base}/</link><description>bench</description>{items}</channel></rss>"
        )

    def publish(self, story: Story) -> None:
        with self.lock:
            story.published = datetime.now(UTC)
            story.at = time.monotonic()
            self.stories.append(story)


def quantiles(values: Sequence[float], scale: float = 1.0, digits: int = 3) -> dict[str, Any]:
    """p50 / p95 / max of ``values`` times ``scale`` (nearest-rank p95)."""
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    ordered = sorted(values)
    p95 = ordered[max(round(0.95 * len(ordered)) - 1, 0)]
    return {
        "p50": round(statistics.median(ordered) * scale, digits),
        "p95": round(p95 * scale, digits),
        "max": round(ordered[-1] * scale, digits),
        "n": len(ordered),
    }


def alert_times(slack: FakeSlack, stories: list[Story]) -> dict[int, float]:
    """When the fake Slack received each story's message (by the ``(#n)`` in its title)."""
    found: dict[int, float] = {}
    for call in slack.posted():
        text = json.dumps(call.body)
        for story in stories:
            if story.n not in found and f"(#{story.n})" in text:
                found[story.n] = call.at
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=20)
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one each run")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    site = FeedSite()
    stories = [Story(n, rng) for n in range(args.stories)]
    # Poisson arrivals: the gaps owe nothing to the poll cadence or to when alerts arrive.
    gaps = [rng.expovariate(1 / args.every) for _ in stories]
    with FakeSlack() as slack, tempfile.TemporaryDirectory(prefix="newswatch-latency-") as tmp:
        config = Path(tmp) / "newswatch.toml"
        config.write_text(
            f"""\
[service]
data_dir = "{Path(tmp).as_posix()}/data"
health_listen = ""
jitter = 0

[crawl]
allow_private = true
download_delay = "1ms"
autothrottle = false

[[channel]]
name = "alerts"
kind = "slack"
token = "env:BENCH_SLACK_TOKEN"
channel = "#alerts"
api_url = "{slack.api_url}"
storm_max = 0  # every story its own message, however close together they arrive

[[source]]
name = "bench-feed"
feed = "{site.base}/feed.xml"
every = "{args.every:g}s"
"""
        )
        env = {**os.environ, "BENCH_SLACK_TOKEN": "xoxb-bench", "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            time.sleep(args.every * 2)  # let it start and do its first (empty) crawl
            for story, gap in zip(stories, gaps, strict=True):
                time.sleep(gap)
                site.publish(story)
            deadline = time.monotonic() + args.every * 4 + 10
            while time.monotonic() < deadline and len(alert_times(slack, stories)) < len(stories):
                time.sleep(0.1)
            alerted = alert_times(slack, stories)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    site.server.shutdown()
    pipeline, poll_wait, total = [], [], []
    by_poll: dict[float, list[float]] = {}  # feed answer -> pipeline times of its new stories
    for story in stories:
        at = alerted.get(story.n)
        if at is None or story.served is None:
            continue
        pipeline.append(at - story.served)
        poll_wait.append(story.served - story.at)
        total.append(at - story.at)
        by_poll.setdefault(story.served, []).append(at - story.served)
    # Stories that arrive in the same poll leave one by one at Slack's pace (about one message
    # a second per channel): the first of each poll shows the pipeline without that queue.
    first_of_poll = [min(times) for times in by_poll.values()]
    result = {
        "stories": args.stories,
        "delivered": len(total),
        "cadence_seconds": args.every,
        "seed": seed,
        "pipeline_ms": quantiles(pipeline, 1000, 1),
        "pipeline_first_of_poll_ms": quantiles(first_of_poll, 1000, 1),
        "polls_with_news": len(by_poll),
        "most_stories_in_one_poll": max((len(t) for t in by_poll.values()), default=0),
        "poll_wait_seconds": quantiles(poll_wait, 1, 3)
        | {"mean": round(statistics.fmean(poll_wait), 3) if poll_wait else None},
        "total_seconds": quantiles(total, 1, 3),
        "target_total_p95_seconds": args.every + 2,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
