"""What several commands share: the config-and-store context, one page fetcher, ``--since``.

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
    import httpx

    from scheduler.config import Config
    from scheduler.store import Store

FETCH_TIMEOUT = 30.0  # seconds, the crawler's own default download timeout


def parse_since(value: str) -> datetime:
    """``--since 24h`` -> the moment that long ago; a bad value is a clear error."""
    from crawler.sources import parse_duration

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
    from scheduler.store import open_store

    config = load_config(args.config, secrets=secrets)
    store = open_store(config.database_url)
    try:
        yield config, store
    finally:
        store.close()


class FetchError(NewswatchError):
    """A page that could not be fetched, with a one-line reason."""


def page_client() -> httpx.Client:
    """An HTTP client that fetches pages as the crawler would announce itself."""
    import httpx

    from crawler.sources import CrawlOptions

    return httpx.Client(
        headers={"User-Agent": CrawlOptions().user_agent},
        timeout=FETCH_TIMEOUT,
        follow_redirects=True,
    )


def fetch_page(client: httpx.Client, url: str) -> tuple[str | bytes, str]:
    """(page, final URL): text when the server names its charset, else bytes to sniff."""
    import httpx

    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise FetchError(f"fetch failed: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        raise FetchError(f"HTTP {response.status_code}")
    # A charset in Content-Type outranks the page's own <meta>; without one the extractor sniffs.
    charset = response.charset_encoding
    if charset:
        try:
            return response.content.decode(charset, errors="replace"), str(response.url)
        except LookupError:
            pass
    return response.content, str(response.url)
