"""The per-source counts of one crawl: what ``newswatch crawl`` prints and the store keeps.

A plain record with no Scrapy in it, so that the store, the logs and the read-only commands
(``newswatch status``) can use it without importing the crawler: :mod:`crawler.crawl_runner`
builds it from a crawl's stats and re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler import setting_names as names
from crawler.stats import source_key

# The error of a crawl that was cancelled before it finished (Ctrl-C, shutdown).
INTERRUPTED = "interrupted before the crawl finished"


@dataclass(slots=True)
class CrawlSummary:
    """Per-source counts of one crawl (``newswatch crawl`` prints them, the store keeps them)."""

    source: str
    started: datetime
    finished: datetime
    requests: int = 0
    not_modified: int = 0
    entries: int = 0
    skipped_seen: int = 0
    new_articles: int = 0
    duplicates: int = 0
    matches: int = 0
    errors: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # why the crawl as a whole failed, if it did

    @property
    def interrupted(self) -> bool:
        """Cut short by Ctrl-C or a shutdown: not the source's failure."""
        return self.error == INTERRUPTED

    @property
    def ok(self) -> bool:
        """A crawl that reached its source (a 304 counts) without a failure of its own."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """The counts as JSON-ready values (``newswatch crawl --json``)."""
        return {
            "requests": self.requests,
            "not_modified": self.not_modified,
            "entries": self.entries,
            "skipped_seen": self.skipped_seen,
            "new_articles": self.new_articles,
            "duplicates": self.duplicates,
            "matches": self.matches,
            "dropped": dict(self.dropped),
            "errors": self.errors,
            "error": self.error,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
        }

    @classmethod
    def from_stats(
        cls, source: str, stats: Mapping[str, Any], started: datetime, finished: datetime
    ) -> CrawlSummary:
        """The summary of ``source`` from a crawl's stats (counts kept as ``key@source``)."""

        def get(key: str) -> int:
            return int(stats.get(source_key(key, source), 0) or 0)

        suffix = source_key("", source)
        dropped = {
            key[len(names.STAT_DROPPED_PREFIX) : -len(suffix)]: int(value)
            for key, value in stats.items()
            if key.startswith(names.STAT_DROPPED_PREFIX) and key.endswith(suffix)
        }
        summary = cls(
            source=source,
            started=started,
            finished=finished,
            requests=get(names.STAT_REQUESTS),
            not_modified=get(names.STAT_NOT_MODIFIED),
            entries=get(names.STAT_ENTRIES),
            skipped_seen=get(names.STAT_SKIPPED_SEEN),
            new_articles=get(names.STAT_NEW_ARTICLES),
            duplicates=get(names.STAT_DUPLICATES),
            matches=get(names.STAT_MATCHES),
            errors=get(names.STAT_ERRORS),
            dropped=dropped,
        )
        reason = stats.get(source_key(names.STAT_SOURCE_ERROR, source))
        if reason:
            summary.error = str(reason)
        return summary
