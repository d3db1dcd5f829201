"""What several commands share: the config-and-store contexts (the full one, and the light
read-only one of ``status`` and ``matches``), the guarded page fetcher, ``--since``.

Commands stay thin: they parse arguments, call these and the packages, and print. Imports of
heavy modules happen inside the functions so that ``newswatch --help`` stays fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scheduler.errors import ConfigError, NewswatchError

if TYPE_CHECKING:
    from crawler.page_fetch import FetchedPage, PageFetcher
    from scheduler.config import Config
    from scheduler.config_view import ConfigView
    from scheduler.store import Store
    from scheduler.store.readonly import ReadOnlyStore


def parse_since(value: str) -> datetime:
    """``--since 24h`` -> the moment that long ago; a bad value is a clear error."""
    from crawler.durations import parse_duration

    try:
        return datetime.now(UTC) - parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"--since: {exc}") from None


@contextmanager
def config_and_store(
    args: argparse.Namespace, *, secrets: bool = False
) -> Iterator[tuple[Config, Store]]:
    """The config of ``--config`` and its store, closed on the way out.

    Without ``secrets`` an unset delivery secret is no error (see ``load_config``): only a
    command that delivers asks for them.
    """
    from scheduler.config import load_config

    config = load_config(args.config, secrets=secrets)
    store = config.open_store()
    try:
        yield config, store
    finally:
        store.close()


@contextmanager
def view_and_readonly_store(args: argparse.Namespace) -> Iterator[tuple[ConfigView, ReadOnlyStore]]:
    """What ``status`` and ``matches`` read: the config's view and its database, read-only.

    Neither SQLAlchemy nor (for a plainly valid config) pydantic is imported: see
    :mod:`scheduler.config_view` and :mod:`scheduler.store.readonly`.
    """
    from scheduler.config_view import load_view
    from scheduler.store.readonly import open_readonly

    view = load_view(args.config)
    store = open_readonly(view.database_url)
    try:
        yield view, store
    finally:
        store.close()


class FetchError(NewswatchError):
    """A page that could not be fetched, with a one-line reason."""


def optional_config(config_path: str | None) -> Config | None:
    """The config of ``--config`` (or the default path) when there is a file, else None.

    Loaded without delivery secrets: reading or matching one page needs none.
    """
    from scheduler.config import load_config, resolve_config_path

    file, _ = resolve_config_path(config_path)
    return load_config(file, secrets=False) if file is not None else None


def page_fetcher(config: Config | None) -> PageFetcher:
    """The guarded fetcher with the config's crawl options (``allow_private``, ``max_size``,
    ``timeout``, ``user_agent``), or the defaults without a config."""
    from crawler.page_fetch import PageFetcher
    from crawler.sources import CrawlOptions

    options = config.crawl if config is not None else CrawlOptions()
    return PageFetcher(
        user_agent=options.user_agent,
        timeout=options.timeout.total_seconds(),
        max_size=options.max_size,
        allow_private=options.allow_private,
    )


def fetch_page(fetcher: PageFetcher, url: str) -> FetchedPage:
    """The page at ``url`` (bytes and the header's charset, for the extractor to weigh)."""
    from crawler.page_fetch import FetchError as PageFetchError

    try:
        return fetcher.fetch(url)
    except PageFetchError as exc:
        raise FetchError(str(exc)) from None
