"""Latency benchmark: from a story appearing in a feed to the fake Slack receiving its alert.

Runs ``newswatch run`` as a subprocess (as users do) with one feed source polled every
``--every`` seconds and a Slack channel pointing at the fake Slack Web API. A local feed server
publishes a new relevant story at random moments; for each one the time from publication to the
Slack post is recorded. Prints one JSON object with p50 / p95 / max (target: p95 <= cadence + 2 s).

    python bench/latency.py [--stories 12] [--every 5]
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
        self.at = time.monotonic()


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
                elif self.path.startswith("/story/"):
                    n = int(self.path.split("/")[2].split(".")[0])
                    story = stories[n]
                    body = (
                        f"<html><head><title>{story.title}</title></head><body><article>"
                        f"<h1>{story.title}</h1>{story.body}</article></body></html>"
                    ).encode()
                    etag, ctype = "", "text/html; charset=utf-8"
                elif self.path == "/robots.txt":
                    body, etag, ctype = b"User-agent: *\nAllow: /\n", "", "text/plain"
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
            self.stories.append(story)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=12)
    parser.add_argument("--every", type=float, default=5.0)
    args = parser.parse_args()
    rng = random.Random(7)
    site = FeedSite()
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
        latencies: list[float] = []
        try:
            time.sleep(args.every * 2)  # let it start and do its first (empty) crawl
            for n in range(args.stories):
                story = Story(n, rng)
                site.publish(story)
                deadline = time.monotonic() + args.every * 4 + 10
                while time.monotonic() < deadline:
                    if any(f"(#{n})" in str(c.body.get("text", "")) for c in slack.posted()):
                        latencies.append(time.monotonic() - story.at)
                        break
                    time.sleep(0.05)
                time.sleep(rng.uniform(0, args.every))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    site.server.shutdown()
    latencies.sort()
    p95 = latencies[max(round(0.95 * len(latencies)) - 1, 0)] if latencies else None
    print(
        json.dumps(
            {
                "stories": args.stories,
                "delivered": len(latencies),
                "cadence_seconds": args.every,
                "p50_seconds": round(statistics.median(latencies), 2) if latencies else None,
                "p95_seconds": round(p95, 2) if p95 is not None else None,
                "max_seconds": round(latencies[-1], 2) if latencies else None,
                "target_p95_seconds": args.every + 2,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
