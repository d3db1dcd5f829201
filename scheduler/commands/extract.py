"""``newswatch extract FILE_OR_URL...``: run the article extractor and print one JSON line each.

A debugging tool for "why did this page give no text / the wrong date?": files may be ``.html`` or
``.html.gz``; URLs are fetched by :class:`crawler.page_fetch.PageFetcher` under the config's crawl
options (user agent, timeout, size limit, ``allow_private``): private addresses are refused, at
every redirect too. One failing input prints one line on stderr and turns the exit code to 1 at the
end; the other inputs are still extracted and printed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``extract`` subcommand to the ``newswatch`` parser."""
    parser = subparsers.add_parser(
        "extract",
        description=(
            "Extract title, text, date, authors, canonical URL, language and summary from each "
            "file (.html or .html.gz) or http(s) URL and print one JSON object per line."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE_OR_URL", help="HTML file or URL")
    parser.add_argument(
        "--url",
        dest="base_url",
        metavar="URL",
        help="page URL to resolve relative links against for files (default: the file's URI)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Extract every input; exit code 1 when any of them failed."""
    from crawler.extractor import extract_article
    from scheduler.commands._common import FetchError, fetch_page, optional_config, page_fetcher

    failed = False
    fetcher = None
    try:
        for source in args.inputs:
            try:
                if source.startswith(("http://", "https://")):
                    if fetcher is None:
                        fetcher = page_fetcher(optional_config(args.config))
                    page = fetch_page(fetcher, source)
                    data, url, charset = page.body, page.url, page.charset
                else:
                    data, url, charset = _read_file(Path(source)), args.base_url, None
                    url = url or Path(source).resolve().as_uri()
            except (OSError, EOFError, gzip.BadGzipFile, FetchError) as exc:
                print(f"newswatch extract: {source}: {exc}", file=sys.stderr)
                failed = True
                continue
            fields = extract_article(data, url, header_charset=charset)
            print(json.dumps(fields.to_dict(), ensure_ascii=False), flush=True)
    finally:
        if fetcher is not None:
            fetcher.close()
    return 1 if failed else 0


def _read_file(path: Path) -> bytes:
    data = path.read_bytes()
    # Sniff the gzip magic rather than trust the suffix: saved pages are often mislabelled.
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
