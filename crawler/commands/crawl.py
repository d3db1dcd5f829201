"""``scrapy crawl KIND -a url=URL``: Scrapy's own command, with usage errors instead of tracebacks.

The project's spiders are source *kinds* (``feed``, ``sitemap``, ``listing``), not the sources of
a config file: Scrapy knows nothing of ``newswatch.toml``, and the crawler never reads it. So a
source name gets a one-line pointer to ``newswatch crawl``, and a kind without ``-a url`` says how
to give one, both as Scrapy usage errors (exit 2, no traceback).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse

# Spiders a user can run by hand; the batch spider is what the service runs.
KINDS = ("feed", "sitemap", "listing")


class Command(ScrapyCrawl):
    """``scrapy crawl`` for the newswatch project."""

    def short_desc(self) -> str:
        return "Crawl one feed, sitemap or listing page: scrapy crawl KIND -a url=URL"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1:
            check_spider_args(args[0], opts.spargs)
        super().run(args, opts)


def check_spider_args(name: str, spargs: dict[str, str]) -> None:
    """Raise :class:`UsageError` for a spider name or arguments this project cannot run."""
    if name not in KINDS:
        raise UsageError(
            f"{name!r} is not a spider here: the spiders are source kinds ({', '.join(KINDS)}). "
            f"Run one with `scrapy crawl feed -a url=https://...`, or crawl a configured source "
            f"by name with `newswatch crawl {name} --once`.",
            print_help=False,
        )
    if not spargs.get("url"):
        raise UsageError(
            f"give the {name} URL: scrapy crawl {name} -a url=https://... "
            "[-a name=NAME] [-a max_age=2d]" + (" -a links=CSS" if name == "listing" else ""),
            print_help=False,
        )
