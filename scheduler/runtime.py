"""The long-lived objects a config implies: the store, the matcher, the extraction threads.

Commands and the daemon both call :func:`open_runtime`, so a config means the same thing
everywhere. A :class:`Runtime` is immutable; a config reload makes a new one with
:meth:`Runtime.reconfigured`, which keeps the store, the pool, the in-flight registry and the
robots.txt cache, rebuilds the matcher only when the watchlists changed, and shares the list of
batchers it has started, so crawls started under an old config can still be cancelled at shutdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from crawler.crawl_runner import BatchCrawls, build_settings, make_runner
from crawler.in_flight import InFlightArticles
from crawler.matching import Matcher
from crawler.robots_cache import RobotsCache
from crawler.services import CrawlServices
from scheduler.config import Config
from scheduler.crawl_records import CrawlRecorder
from scheduler.store import Store


@dataclass(frozen=True, slots=True)
class Runtime:
    """The config in force and the long-lived objects built from it."""

    config: Config
    store: Store
    matcher: Matcher
    executor: Executor | None = None
    overrides: Mapping[str, Any] | None = None  # extra Scrapy settings (tests, demo)
    # Articles on their way to the store, shared by concurrent crawls (kept across reloads).
    in_flight: InFlightArticles = field(default_factory=InFlightArticles, compare=False)
    # What each host's robots.txt said, for every crawl of the process (kept across reloads).
    robots: RobotsCache = field(default_factory=RobotsCache, compare=False)
    # Writes the bookkeeping of crawls that finish together in one transaction (None: one by one).
    recorder: CrawlRecorder | None = field(default=None, compare=False)
    # Seconds a batch waits for more due sources after its first (see BatchCrawls).
    batch_window: float = 0.2
    # Crawl batchers of this config by dry-run flag, built on first use (a runner loads spiders).
    _batches: dict[bool, BatchCrawls] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    # Every batcher started under this runtime or the ones it replaced, for cancel_crawls.
    _started: list[BatchCrawls] = field(default_factory=list, compare=False, repr=False)

    @property
    def services(self) -> CrawlServices:
        """What the crawl's Scrapy components get (see :mod:`crawler.services`)."""
        return CrawlServices(
            store=self.store,
            matcher=self.matcher,
            executor=self.executor,
            in_flight=self.in_flight,
            robots=self.robots,
        )

    def batches(self, *, dry_run: bool = False) -> BatchCrawls:
        """The batcher that crawls this config's sources (one Scrapy crawl per batch)."""
        if dry_run not in self._batches:
            settings = build_settings(
                self.config.crawl,
                services=self.services,
                routes=self.config.routes(),
                dry_run=dry_run,
                overrides=self.overrides,
            )
            batcher = BatchCrawls(
                make_runner(settings),
                window=self.batch_window,
                max_concurrent=self.config.service.max_concurrent_crawls,
            )
            self._batches[dry_run] = batcher
            self._started.append(batcher)
        return self._batches[dry_run]

    def reconfigured(self, config: Config, matcher: Matcher | None = None) -> Runtime:
        """This runtime under ``config``: same store and pool, new batchers (see module doc).

        ``matcher`` is one already compiled from ``config.watchlists`` (a reload builds it first,
        to reject a config it cannot compile); without it one is compiled when they changed.
        """
        if matcher is None:
            matcher = (
                self.matcher
                if config.watchlists == self.config.watchlists
                else Matcher(config.watchlists)
            )
        self.store.configure_stories(**config.story_options())
        return Runtime(
            config=config,
            store=self.store,
            matcher=matcher,
            executor=self.executor,
            overrides=self.overrides,
            in_flight=self.in_flight,
            robots=self.robots,
            recorder=self.recorder,
            batch_window=self.batch_window,
            _started=self._started,
        )

    def cancel_crawls(self) -> None:
        """Cancel the crawls still running, old configs' included (shutdown, after the grace)."""
        for batcher in self._started:
            batcher.cancel()

    def close(self) -> None:
        """Stop the extraction threads and close the store."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        self.store.close()


# Extraction threads per runtime: two, so one slow page never holds up every other one; more would
# only contend for the GIL on this CPU-bound work.
EXTRACT_THREADS = 2


def make_extract_executor(workers: int | None = None) -> Executor:
    """The runtime's extraction threads, started on first use and kept for its lifetime.

    Threads, not processes (``bench/per_article.py``, same pages and run): a forkserver process
    pool cost 1.52x a plain Scrapy process per article at 200 articles, 478 MB at peak, 5
    processes and 440 MB idle, paying ~1.3 CPU-s of worker start-up per ``newswatch crawl``;
    threads cost 1.40x and 266 MB. News arrives at a few articles a minute, so one core is plenty.
    The event loop keeps its turn: a thread holding the GIL hands it over every switch interval
    (5 ms), libxml2 parses without it, and :data:`crawler.extractor.MAX_ELEMENTS` bounds the
    work one page can cost; a dedicated pool keeps slow pages off the loop's default executor,
    which the store's calls use.
    """
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(
        max_workers=workers or EXTRACT_THREADS, thread_name_prefix="newswatch-extract"
    )


def open_runtime(
    config: Config,
    *,
    extract_workers: int | None = None,
    use_pool: bool = True,
    overrides: Mapping[str, Any] | None = None,
    batch_window: float = 0.2,
) -> Runtime:
    """Open the store and build the matcher (and the extraction threads unless ``use_pool`` is
    false: extraction then shares the loop's default executor)."""
    store = config.open_store()
    executor = make_extract_executor(extract_workers) if use_pool else None
    return Runtime(
        config=config,
        store=store,
        matcher=Matcher(config.watchlists),
        executor=executor,
        overrides=overrides,
        recorder=CrawlRecorder(store),
        batch_window=batch_window,
    )
