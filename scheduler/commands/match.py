"""``newswatch match (URL | --file PATH | --text TEXT [--title T]) [--explain] [--json]``.

Runs the relevance filter on one article and shows, for every watchlist, the decision, the score,
the event kind, the entities with their roles, the amounts and the evidence sentences (matched
words in ``[brackets]``). ``--explain`` also lists every hit and how the score was formed. HTML (a
URL or a file) goes through the crawler's article extractor first; ``--text`` is the body as is.
Watchlists come from the config file when there is one, else the bundled default watchlist.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scheduler.errors import NewswatchError

if TYPE_CHECKING:
    from crawler.matching import Explanation, Watchlist
    from crawler.page_fetch import FetchedPage
    from scheduler.config import Config


def register(subparsers: Any) -> None:
    """Add the ``match`` subcommand to the ``newswatch`` parser."""
    parser = subparsers.add_parser(
        "match",
        description=(
            "Match one article (a URL, an HTML file, or plain text) against the configured "
            "watchlists (the default watchlist without a config file)."
        ),
    )
    parser.add_argument("url", nargs="?", metavar="URL", help="article URL to fetch")
    parser.add_argument("--file", metavar="PATH", help="article HTML file (.html or .html.gz)")
    parser.add_argument("--text", metavar="TEXT", help="article body as plain text")
    parser.add_argument("--title", metavar="T", default="", help="title to go with --text")
    parser.add_argument("--explain", action="store_true", help="list every hit and score part")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(func=run)


def load_watchlists(config_path: str | None) -> tuple[Watchlist, ...]:
    """The config's watchlists when a config file exists, else the bundled default watchlist."""
    from scheduler.commands._common import optional_config

    return watchlists_of(optional_config(config_path))


def watchlists_of(config: Config | None) -> tuple[Watchlist, ...]:
    """The watchlists of ``config``, or the bundled default watchlist when it has none."""
    from crawler.matching import load_default_watchlist

    watchlists = tuple(config.watchlists) if config is not None else ()
    return watchlists or (load_default_watchlist(),)


def run(args: argparse.Namespace) -> int:
    """Match one article and print the result."""
    from crawler.matching import Matcher

    given = [x for x in (args.url, args.file, args.text) if x is not None]
    if len(given) != 1:
        raise NewswatchError("give exactly one of URL, --file PATH or --text TEXT")
    from scheduler.commands._common import optional_config

    # Loaded once: the watchlists and, for a URL, the fetcher's crawl options come from it.
    config = optional_config(args.config)
    title, text = _article(args, config)
    matcher = Matcher(watchlists_of(config))
    explanations = matcher.explain(title, text)
    if args.json:
        out: dict[str, Any] = {
            "title": title,
            "matched": any(e.matched for e in explanations),
            "watchlists": [_json(e, explain=args.explain) for e in explanations],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"title: {title or '(none)'}")
        for ex in explanations:
            print(render(ex, explain=args.explain))
    return 0


def _json(ex: Explanation, *, explain: bool) -> dict[str, Any]:
    data = ex.to_dict()
    if not explain:
        data.pop("hits")
        data.pop("components")
    return data


def _article(args: argparse.Namespace, config: Config | None) -> tuple[str, str]:
    if args.text is not None:
        return args.title or "", args.text
    from crawler.extractor import extract_article

    if args.file is not None:
        path = Path(args.file)
        try:
            raw = path.read_bytes()
            if path.suffix == ".gz":
                raw = gzip.decompress(raw)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise NewswatchError(f"cannot read {path}: {exc}") from None
        fields = extract_article(raw, path.resolve().as_uri())
    else:
        page = _fetch(args.url, config)
        fields = extract_article(page.body, args.url, header_charset=page.charset)
    return args.title or fields.title or "", fields.text


def _fetch(url: str, config: Config | None) -> FetchedPage:
    from scheduler.commands._common import FetchError, fetch_page, page_fetcher

    if not url.startswith(("http://", "https://")):
        raise NewswatchError(f"not an http(s) URL: {url!r} (use --file for files)")
    try:
        with page_fetcher(config) as fetcher:
            return fetch_page(fetcher, url)
    except FetchError as exc:
        raise NewswatchError(f"cannot fetch {url}: {exc}") from None


def _mark(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """Put [brackets] around the matched spans of an evidence sentence."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append("[" + text[start:end] + "]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def render(ex: Explanation, *, explain: bool = False) -> str:
    """Human-readable result of one watchlist."""
    lines = [
        f"{ex.watchlist}: {'MATCH' if ex.matched else 'no match'}  score {ex.score:.3f}"
        + (f"  kind {ex.kind}" if ex.kind else "")
        + f"  ({ex.reason})"
    ]
    match = ex.match
    if match is not None:
        if match.event is not None:
            lines.append(f"  event:    {match.event.headline()}")
        if match.entities:
            lines.append(
                "  entities: "
                + ", ".join(e.name + (f" ({e.role})" if e.role else "") for e in match.entities)
            )
        if match.amounts:
            lines.append(
                "  amounts:  "
                + ", ".join(f"{a.text} = {a.value:,.0f} {a.currency}" for a in match.amounts)
            )
        for ev in match.evidence:
            lines.append(f"  evidence ({ev.field}): {_mark(ev.text, ev.spans)}")
    if explain:
        if ex.hits:
            lines.append("  hits:")
            for h in ex.hits:
                where = "title" if h.field == "title" else f"body#{h.sentence + 1}"
                detail = f" -> {h.detail}" if h.detail and h.detail != h.text else ""
                lines.append(f"    {where:>8} {h.category:<10} {h.text!r}{detail}")
        else:
            lines.append("  hits: none")
        if ex.frames:
            lines.append("  frames:")
            lines.extend(f"    {f}" for f in ex.frames)
        if ex.components:
            lines.append("  score:")
            lines.extend(f"    {c}" for c in ex.components)
    return "\n".join(lines)
