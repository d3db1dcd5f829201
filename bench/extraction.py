"""Article extraction benchmark: newswatch against plain trafilatura, same pages, same run.

Reads ``html/<id>.html.gz`` and ``ground-truth.json`` from the reference data set (181 real news
pages) and prints one JSON object with F1, precision, recall and pages per second for both. The
metric is the one DESIGN.md names (the article-extraction-benchmark one): ``\\w+`` tokens, 4-token
shingles counted as multisets, per-page tp/fp/fn normalised to sum 1, precision and recall averaged
over the pages that have a defined value, F1 from those averages. Speed: after one warm-up pass,
each page is timed ``--repeat`` times per extractor, the two interleaved page by page, and each
page's best time counts (wall clock), so that load from other processes distorts neither figure.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

DEFAULT_DATA = _REPO_ROOT / ".." / "shared" / "data" / "article-extraction"
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)

Page = tuple[str, str, str, str]  # id, url, html, truth


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``n``-token shingles (a text shorter than ``n`` tokens is one shingle)."""
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def page_scores(truth: str, prediction: str) -> tuple[float, float, float]:
    """Per-page (tp, fp, fn) over shingles, normalised so that they sum to 1."""
    t, p = shingles(truth), shingles(prediction)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def aggregate(scores: Sequence[tuple[float, float, float]]) -> dict[str, float]:
    """Precision and recall averaged over pages, F1 from those averages."""
    precision = statistics.mean(_precision(*s) for s in scores if s[0] + s[1] > 0)
    recall = statistics.mean(_recall(*s) for s in scores if s[0] + s[2] > 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def load_pages(data: Path) -> list[Page]:
    """All pages of the data set, sorted by id."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        entry = truth[page_id]
        pages.append((page_id, entry["url"], raw.decode("utf-8"), entry.get("articleBody") or ""))
    return pages


def newswatch_extractor(html: str, url: str) -> str:
    from crawler.extractor import extract_article

    return extract_article(html, url).text


def trafilatura_extractor(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def run(pages: Sequence[Page], repeat: int) -> dict[str, object]:
    """Score and time both extractors over ``pages``."""
    extractors: dict[str, Callable[[str, str], str]] = {
        "newswatch": newswatch_extractor,
        "baseline_trafilatura": trafilatura_extractor,
    }
    outputs: dict[str, list[str]] = {}
    for name, fn in extractors.items():  # warm-up pass, whose output is the one scored
        outputs[name] = [fn(html, url) for _, url, html, _ in pages]
    # Per page, the best of ``repeat`` runs, the extractors interleaved page by page: a load spike
    # from another process then inflates neither total, and hits both alike when it lasts.
    best: dict[str, list[float]] = {name: [float("inf")] * len(pages) for name in extractors}
    for _ in range(repeat):
        for i, (_, url, html, _) in enumerate(pages):
            for name, fn in extractors.items():
                start = time.perf_counter()
                fn(html, url)
                best[name][i] = min(best[name][i], time.perf_counter() - start)
    seconds = {name: sum(times) for name, times in best.items()}
    result: dict[str, object] = {"pages": len(pages)}
    for name in extractors:
        scores = [page_scores(p[3], out) for p, out in zip(pages, outputs[name], strict=True)]
        figures = {k: round(v, 4) for k, v in aggregate(scores).items()}
        figures["pages_per_second"] = round(len(pages) / seconds[name], 1)
        result[name] = figures
    result["speed_ratio"] = round(seconds["baseline_trafilatura"] / seconds["newswatch"], 3)
    result["timing"] = f"sum over pages of each page's best of {repeat} runs, after a warm-up pass"
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="article-extraction dir")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per page (best is kept)")
    args = parser.parse_args(argv)
    data = args.data.resolve()
    if not (data / "ground-truth.json").is_file():
        print(f"no data set at {data}", file=sys.stderr)
        return 2
    print(json.dumps(run(load_pages(data), max(1, args.repeat))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
