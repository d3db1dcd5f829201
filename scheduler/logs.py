"""Logging setup: one line per event, plain text or JSON lines (``--log-json``) for log shippers."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.crawl_summary import CrawlSummary

# The service's own lines go out under the name "newswatch".
_service_logger = logging.getLogger("newswatch")

# What every LogRecord carries; anything else on a record came from ``extra=`` and is a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# Per-request detail from the crawl: ``newswatch run`` logs one line per crawl instead (with the
# source's error), so these only show with -v there. ``crawl --once`` keeps them.
CRAWL_DETAIL_LOGGERS = ("crawler.spiders", "crawler.middlewares.robots")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line, with its ``extra=`` values as fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                data[key] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def quiet_crawl_detail(*, verbose: bool = False) -> None:
    """For the service: leave per-request crawl lines to -v (see CRAWL_DETAIL_LOGGERS)."""
    if not verbose:
        for name in CRAWL_DETAIL_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)


def setup_logging(*, verbose: bool = False, json_format: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_format:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Scrapy and Twisted are chatty at INFO (Alembic too: plugins, "Context impl"); our own
    # summary lines say what matters.
    quiet = ("scrapy", "twisted", "filelock", "trafilatura", "htmldate", "apscheduler", "alembic")
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


def log_crawl(summary: CrawlSummary) -> None:
    """One line per crawl: quiet when nothing changed, the error when it failed."""
    fields = {
        "source": summary.source,
        "requests": summary.requests,
        "not_modified": summary.not_modified,
        "new": summary.new_articles,
        "duplicates": summary.duplicates,
        "matches": summary.matches,
        "errors": summary.errors,
        "error": summary.error,
    }
    if summary.error:
        _service_logger.warning(
            "crawl of %s failed: %s", summary.source, summary.error, extra=fields
        )
    elif summary.new_articles or summary.duplicates or summary.errors:
        _service_logger.info(
            "crawled %s: %d new, %d duplicates, %d matches, %d errors (%d requests)",
            summary.source,
            summary.new_articles,
            summary.duplicates,
            summary.matches,
            summary.errors,
            summary.requests,
            extra=fields,
        )
    else:
        what = "not modified" if summary.not_modified else "nothing new"
        _service_logger.info("crawled %s: %s", summary.source, what, extra=fields)
