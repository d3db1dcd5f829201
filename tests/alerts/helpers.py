"""Helpers shared by the store-backed alerts tests: filling a real ``scheduler.store`` with
articles and matches (which writes the outbox rows), and writing a config file."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crawler.article_store import ArticleRecord
from tests.alerts.conftest import make_alert


def fill(store: Any, n: int, channels: Sequence[str], *, start: int = 0) -> list[int]:
    """Save ``n`` matching articles routed to ``channels``; return the delivery ids."""
    ids: list[int] = []
    for i in range(start, start + n):
        alert = make_alert(i, f"Story {i}: Meta invests in Scale AI")
        text = f"body of story {i}"
        record = ArticleRecord(
            source="example-news",
            url=f"https://news.example.com/story/{i}",
            fetched_url=f"https://news.example.com/story/{i}",
            title=alert.title,
            text=text,
            fingerprint=int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            published=alert.published,
        )
        result = store.save_article(record, alert.matches, {"ai-deals": list(channels)})
        ids.extend(result.delivery_ids)
    return ids


def write_config(path: Path, db: Path, channels: str) -> Path:
    """A config file with the SQLite store at ``db`` and the given ``[[channel]]`` tables."""
    path.write_text(f'[service]\ndatabase_url = "sqlite:///{db}"\n\n{channels}\n')
    return path


def slack_channel_toml(api_url: str, name: str = "slack", **extra: Any) -> str:
    lines = [
        "[[channel]]",
        f'name = "{name}"',
        'kind = "slack"',
        'token = "env:NW_TEST_SLACK_TOKEN"',
        'channel = "#ai"',
        f'api_url = "{api_url}"',
    ]
    for key, value in extra.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    return "\n".join(lines) + "\n"
