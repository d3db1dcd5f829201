"""Story clustering measured on labelled articles: B-cubed precision and recall.

A labelled file is JSON lines of three kinds:

- ``{"include": "PATH.jsonl"}`` -- every article of a labelled news file (``id``, ``title``,
  ``text``, ``published``), read at run time (``PATH`` relative to the labelled file), each its
  own story unless a label line says otherwise;
- ``{"id": "tc-0150", "story": "musk-openai-bid"}`` -- the story of an included article;
- ``{"id": ..., "story": ..., "title": ..., "text": ..., "published": ..., "source": ...}`` --
  an article given in full (our own fixtures).

:func:`evaluate` stores the articles in published order in a fresh in-memory store, its clock
set to each article's time (a bare year counts as 1 July of that year), matched by the given
matcher, exactly as the crawl stores them; then compares the stories with the labels. B-cubed:
per article, precision is the share of its story's articles that carry its label, recall the
share of its label's articles in its story; both are averaged over articles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.article_store import ArticleRecord
from crawler.fingerprint import simhash
from crawler.matching import Matcher
from scheduler.errors import NewswatchError


class EvalFileError(NewswatchError):
    """A labelled file that cannot be read, with the line that is wrong."""


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    story: str
    title: str
    text: str
    published: datetime
    source: str = "eval"


def _time(value: Any) -> datetime:
    text = str(value or "").strip()
    if text.isdigit() and len(text) == 4:
        return datetime(int(text), 7, 1, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def read_labelled(path: Path) -> list[Labelled]:
    """The articles of a labelled file (see the module doc), included files read now."""
    articles: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(f"{path}: {exc.strerror or exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not a JSON object")
            if "include" in row:
                for item in _included(path.parent / str(row["include"])):
                    articles.setdefault(str(item["id"]), item)
                continue
            key = str(row["id"])
            labels[key] = str(row["story"])
            if "title" in row:
                articles[key] = row
        except (ValueError, KeyError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc}") from exc
    missing = sorted(set(labels) - set(articles))
    if missing:
        raise EvalFileError(f"{path}: labels for unknown ids: {', '.join(missing[:5])}")
    return [
        Labelled(
            id=key,
            story=labels.get(key, f"single:{key}"),
            title=str(row.get("title") or ""),
            text=str(row.get("text") or ""),
            published=_time(row.get("published")),
            source=str(row.get("source") or "eval"),
        )
        for key, row in articles.items()
    ]


def _included(path: Path) -> Iterable[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as file:
            for line in file:
                if line.strip():
                    yield json.loads(line)
    except OSError as exc:
        raise EvalFileError(f"{path}: {exc.strerror or exc}") from exc


def bcubed(predicted: dict[str, Any], truth: dict[str, str]) -> tuple[float, float]:
    """B-cubed (precision, recall) of ``predicted`` clusters against ``truth`` labels."""
    by_cluster: dict[Any, set[str]] = {}
    by_label: dict[str, set[str]] = {}
    for key in truth:
        by_cluster.setdefault(predicted[key], set()).add(key)
        by_label.setdefault(truth[key], set()).add(key)
    precision = recall = 0.0
    for key in truth:
        cluster, label = by_cluster[predicted[key]], by_label[truth[key]]
        both = len(cluster & label)
        precision += both / len(cluster)
        recall += both / len(label)
    n = max(len(truth), 1)
    return precision / n, recall / n


def pairwise(predicted: dict[str, Any], truth: dict[str, str]) -> tuple[float, float, int]:
    """Pairwise (precision, recall, true pairs): over pairs of articles in one story.

    Unlike B-cubed it ignores the articles alone in their story, which are most of a news set,
    so it shows the multi-report stories plainly. With no predicted pairs precision is 1.
    """
    keys = sorted(truth)
    predicted_pairs = true_pairs = both = 0
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            same_p, same_t = predicted[a] == predicted[b], truth[a] == truth[b]
            predicted_pairs += same_p
            true_pairs += same_t
            both += same_p and same_t
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return precision, recall, true_pairs


def evaluate(items: list[Labelled], matcher: Matcher, window: timedelta) -> dict[str, Any]:
    """Cluster ``items`` through the store and score the stories against their labels."""
    from scheduler.store import open_store

    now = [datetime(2000, 1, 1, tzinfo=UTC)]
    story_of: dict[str, int] = {}
    ordered = sorted(items, key=lambda it: it.published)
    with open_store("sqlite://", clock=lambda: now[0]) as store:
        store.configure_stories(window=window)
        for i, it in enumerate(ordered):
            now[0] = max(now[0], it.published) + timedelta(seconds=1)
            found = matcher.match(it.title, it.text, source=it.source)
            record = ArticleRecord(
                source=it.source,
                url=f"https://eval.invalid/{i}",
                fetched_url=f"https://eval.invalid/{i}",
                title=it.title,
                text=it.text,
                fingerprint=simhash(it.title + "\n" + it.text),
                content_hash=it.id,
                published=it.published,
            )
            result = store.save_article(record, found, {})
            assert result.story_id is not None
            story_of[it.id] = result.story_id
    truth = {it.id: it.story for it in items}
    precision, recall = bcubed(story_of, truth)
    pair_p, pair_r, pairs = pairwise(story_of, truth)
    merged: dict[int, set[str]] = {}
    for it in items:
        merged.setdefault(story_of[it.id], set()).add(it.story)
    wrong = sorted(
        sorted(it.id for it in items if story_of[it.id] == sid)
        for sid, labels in merged.items()
        if len(labels) > 1
    )
    split: dict[str, set[int]] = {}
    for it in items:
        split.setdefault(it.story, set()).add(story_of[it.id])
    return {
        "articles": len(items),
        "labelled_stories": len(split),
        "stories": len(merged),
        "bcubed_precision": round(precision, 4),
        "bcubed_recall": round(recall, 4),
        "pairwise_precision": round(pair_p, 4),
        "pairwise_recall": round(pair_r, 4),
        "true_pairs": pairs,
        "wrong_merges": wrong,
        "split_stories": sorted(label for label, ids in split.items() if len(ids) > 1),
        "window_hours": window.total_seconds() / 3600,
    }
