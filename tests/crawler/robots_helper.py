"""Run several batch crawls in one child process, the way the service does, with a fake clock.

The robots.txt cache lives as long as its process, across crawls: testing it takes several
crawls in one reactor, which runs once per process -- so, as in :mod:`tests.crawler.crawl_helpers`,
a child process (``python -m tests.crawler.robots_helper SPEC.json``). The child builds the
service's own settings (:func:`crawler.crawl_runner.build_settings`) and
:class:`~crawler.crawl_runner.BatchCrawls`, with a :class:`~crawler.robots_cache.RobotsCache` on a
clock the steps move forward (no sleeping through a day), and runs the steps in order:

- ``{"batches": [[source, ...], ...]}``: each inner list is one batch crawl; the batches of one
  step run at the same time (two crawls of one cold host must still download robots.txt once);
- ``{"advance": seconds}``: move the cache's clock.

It writes each step's per-source summaries to ``RESULT.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.crawler.crawl_helpers import REPO


def run_steps(
    tmp_path: Path,
    steps: Sequence[Mapping[str, Any]],
    *,
    crawl: Mapping[str, Any] | None = None,
    timeout: float = 120,
) -> list[dict[str, dict[str, Any]]]:
    """Run ``steps`` in one child process; per step, ``{source name: summary dict}``."""
    spec = {
        "steps": list(steps),
        "crawl": {
            "allow_private": True,
            "download_delay": "1ms",
            "autothrottle": False,
            "retries": 0,
            **(crawl or {}),
        },
        "store_path": str(tmp_path / "store.json"),
        "items_path": str(tmp_path / "items.jsonl"),
        "result_path": str(tmp_path / "result.json"),
    }
    spec_path = tmp_path / "robots-spec.json"
    spec_path.write_text(json.dumps(spec))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crawler.robots_helper", str(spec_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result: list[dict[str, dict[str, Any]]] = json.loads(Path(spec["result_path"]).read_text())
    return result


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _steps(spec: dict[str, Any]) -> list[dict[str, dict[str, Any]]]:
    import asyncio

    from crawler.crawl_runner import BatchCrawls, build_settings, make_runner
    from crawler.robots_cache import RobotsCache
    from crawler.services import CrawlServices
    from crawler.sources import CrawlOptions, Source
    from tests.crawler.crawl_helpers import JsonFileStore

    clock = FakeClock()
    services = CrawlServices(
        store=JsonFileStore(spec["store_path"]), robots=RobotsCache(clock=clock)
    )
    settings = build_settings(
        CrawlOptions.model_validate(spec["crawl"]),
        services=services,
        overrides={
            "ITEM_PIPELINES": {"tests.crawler.crawl_helpers.CollectPipeline": 100},
            "TEST_ITEMS_PATH": spec["items_path"],
            "LOG_LEVEL": "INFO",
        },
    )
    runner = make_runner(settings)
    results: list[dict[str, dict[str, Any]]] = []
    for step in spec["steps"]:
        if "advance" in step:
            clock.now += float(step["advance"])
            results.append({})
            continue
        calls = []
        for group in step["batches"]:
            sources = [Source.model_validate(s) for s in group]
            batcher = BatchCrawls(runner, window=5.0, max_batch=len(sources))
            calls.extend(batcher.crawl(source) for source in sources)
        summaries = await asyncio.gather(*calls)
        results.append({s.source: s.to_dict() for s in summaries})
    return results


def _child(spec_path: str) -> int:
    from crawler import reactor

    spec = json.loads(Path(spec_path).read_text())
    results = reactor.run(lambda: _steps(spec))
    Path(spec["result_path"]).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
