"""Run one real Scrapy crawl of one Source in a child process, and read back items and stats.

Why a child process: Twisted's reactor can be installed once per process and cannot be restarted,
while pytest-asyncio gives every test a fresh event loop. Running ``python -m
tests.crawler.crawl_helpers SPEC.json`` per crawl gives each crawl a clean asyncio reactor (the
project's ``TWISTED_REACTOR``), the project's real settings and middlewares, and a hard timeout,
at the cost of about a second of start-up. The child replaces the item pipelines with
:class:`CollectPipeline` (writes every PageItem as JSON) and, when the test asks for one, opens a
:class:`JsonFileStore` (a tiny ArticleStore kept in a JSON file, so state survives between the
crawls of one test) and hands it over in ``NEWSWATCH_SERVICES`` -- the same path the service uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.article_store import ArticleRecord, SaveResult

REPO = Path(__file__).resolve().parents[2]


class JsonFileStore:
    """A dict-backed ArticleStore persisted to one JSON file (spider tests only)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        data = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.seen: dict[str, str] = data.get("seen", {})
        self.validators: dict[str, list[str | None]] = data.get("validators", {})
        self.calls: list[str] = data.get("calls", [])

    def _save(self) -> None:
        payload = {"seen": self.seen, "validators": self.validators, "calls": self.calls}
        self.path.write_text(json.dumps(payload, indent=1))

    def seen_urls(self, urls: Collection[str]) -> set[str]:
        with self._lock:
            self.calls.append(f"seen_urls:{len(urls)}")
            self._save()
            return {u for u in urls if u in self.seen}

    def mark_seen(
        self, url: str, *, source: str, status: str, article_id: int | None = None
    ) -> None:
        with self._lock:
            self.seen[url] = status
            self._save()

    def find_near_duplicate(self, fingerprint: int, *, max_distance: int) -> int | None:
        return None

    def save_article(
        self,
        article: ArticleRecord,
        matches: Sequence[Any],
        routes: Mapping[str, Sequence[str]],
        *,
        near_duplicate_bits: int | None = None,
    ) -> SaveResult:
        raise NotImplementedError("spider tests do not store articles")

    def get_http_validators(self, url: str) -> tuple[str | None, str | None]:
        with self._lock:
            etag, last_modified = self.validators.get(url, [None, None])
            return etag, last_modified

    def get_http_validators_many(self, urls: Collection[str]) -> dict[str, list[str | None]]:
        with self._lock:
            return {url: self.validators[url] for url in urls if url in self.validators}

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._lock:
            self.validators[url] = [etag, last_modified]
            self._save()


class CollectPipeline:
    """Writes every item as one JSON line to ``TEST_ITEMS_PATH``; marks it seen in the store."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.path = Path(crawler.settings["TEST_ITEMS_PATH"])

    @classmethod
    def from_crawler(cls, crawler: Any) -> CollectPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        from crawler.services import find_services

        row = asdict(item)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, default=str) + "\n")
        services = find_services(self.crawler.settings)
        store = services.store if services is not None else None
        if store is not None:
            # What the real store pipeline does: the URL is known from now on.
            store.mark_seen(item.url, source=item.source, status="stored")
        return item


@dataclass
class CrawlResult:
    """What one child crawl produced."""

    items: list[dict[str, Any]]
    stats: dict[str, Any]
    log: str
    returncode: int
    store: JsonFileStore | None = None
    urls: list[str] = field(default_factory=list)

    def stat(self, key: str) -> int:
        """A numeric stat, 0 when absent."""
        return int(self.stats.get(key, 0))


def run_crawl(
    tmp_path: Path,
    kind: str,
    source: Mapping[str, Any],
    *,
    settings: Mapping[str, Any] | None = None,
    store: Path | None = None,
    timeout: float = 120,
    label: str = "crawl",
    sources: Sequence[Mapping[str, Any]] = (),
    fake_dns: Mapping[str, Sequence[str]] | None = None,
) -> CrawlResult:
    """Crawl ``source`` (Source fields as a dict) with spider ``kind`` in a child process.

    ``kind="batch"`` crawls ``sources`` (and ``source``, if not empty) in one BatchSpider crawl.
    ``fake_dns`` maps host names to the addresses the child's resolver answers, one per lookup
    in turn (the last one repeats): a name that answers a public address, then a private one,
    is a DNS rebinding attack. The stats gain ``test/maxrss_kb``, the child's peak RSS.
    """
    work = tmp_path / label
    work.mkdir(parents=True, exist_ok=True)
    items_path = work / "items.jsonl"
    items_path.unlink(missing_ok=True)
    spec = {
        "kind": kind,
        "source": dict(source),
        "sources": [dict(s) for s in sources],
        "fake_dns": {k: list(v) for k, v in (fake_dns or {}).items()},
        "settings": {
            # Fast and quiet for tests; politeness is exercised by the middlewares themselves.
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "NEWSWATCH_ALLOW_PRIVATE": True,
            "LOG_LEVEL": "INFO",
            **(settings or {}),
            "ITEM_PIPELINES": {"tests.crawler.crawl_helpers.CollectPipeline": 100},
            "TEST_ITEMS_PATH": str(items_path),
            "LOG_FILE": str(work / "crawl.log"),
        },
        "store_path": str(store) if store is not None else None,
        "stats_path": str(work / "stats.json"),
    }
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crawler.crawl_helpers", str(spec_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    log = (work / "crawl.log").read_text() if (work / "crawl.log").exists() else ""
    log += proc.stdout + proc.stderr
    stats_file = work / "stats.json"
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    items = (
        [json.loads(line) for line in items_path.read_text().splitlines()]
        if items_path.exists()
        else []
    )
    return CrawlResult(
        items=items,
        stats=stats,
        log=log,
        returncode=proc.returncode,
        store=JsonFileStore(store) if store is not None else None,
        urls=[item["url"] for item in items],
    )


def _child(spec_path: str) -> int:
    """The child process: run one crawl with the asyncio reactor and dump its stats."""
    spec = json.loads(Path(spec_path).read_text())
    if spec.get("fake_dns"):
        # Before Twisted is imported: its resolver binds socket.getaddrinfo at import time.
        _install_fake_dns(spec["fake_dns"])
    import resource

    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.services import CrawlServices
    from crawler.sources import Source
    from crawler.spiders.batch import BatchSpider
    from crawler.spiders.feed import FeedSpider
    from crawler.spiders.listing import ListingSpider
    from crawler.spiders.sitemap import SitemapSpider

    settings = get_project_settings()
    settings.setdict(spec["settings"], priority="cmdline")
    if spec["store_path"]:
        store = JsonFileStore(spec["store_path"])
        settings.set("NEWSWATCH_SERVICES", CrawlServices(store=store), priority="cmdline")
    spider_cls = {
        "feed": FeedSpider,
        "sitemap": SitemapSpider,
        "listing": ListingSpider,
        "batch": BatchSpider,
    }[spec["kind"]]
    sources = [Source.model_validate(s) for s in spec.get("sources", [])]
    if spec["source"]:
        sources.insert(0, Source.model_validate(spec["source"]))
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    if spec["kind"] == "batch":
        process.crawl(crawler, sources=sources)
    else:
        process.crawl(crawler, source=sources[0])
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    stats["test/maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    Path(spec["stats_path"]).write_text(json.dumps(stats, default=str))
    return 0


def _install_fake_dns(answers: Mapping[str, list[str]]) -> None:
    """Answer lookups of the given names from ``answers``, one address per lookup in turn."""
    import socket

    real_getaddrinfo = socket.getaddrinfo
    served: dict[str, int] = {}
    lock = threading.Lock()

    def next_answer(host: str) -> str:
        with lock:
            n = served.get(host, 0)
            served[host] = n + 1
        options = answers[host]
        return options[min(n, len(options) - 1)]

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name in answers:
            address = next_answer(name)
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port or 0, 0, 0) if ":" in address else (address, port or 0)
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real_getaddrinfo(host, port, *args, **kwargs)

    real_gethostbyname = socket.gethostbyname

    def gethostbyname(host: str) -> str:
        return next_answer(host) if host in answers else real_gethostbyname(host)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.gethostbyname = gethostbyname


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
