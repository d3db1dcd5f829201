"""Build the long-lived objects a config implies: the store, the matcher, the extraction pool.

Commands and the daemon both call :func:`open_runtime`, so a config means the same thing
everywhere. The daemon rebuilds the matcher (cheap) when a reload changes the watchlists.
"""

from __future__ import annotations

from crawler.matching import Matcher
from scheduler.config import Config
from scheduler.jobs import Runtime, make_extract_executor
from scheduler.store import open_store


def open_runtime(
    config: Config, *, extract_workers: int | None = None, use_pool: bool = True
) -> Runtime:
    """Open the store and build the matcher (and a process pool for extraction if asked)."""
    store = open_store(config.database_url)
    executor = make_extract_executor(extract_workers) if use_pool else None
    return Runtime(
        config=config, store=store, matcher=Matcher(config.watchlists), executor=executor
    )
