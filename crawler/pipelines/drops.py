"""Dropping an item for a reason, counted per source under ``newswatch/dropped/<reason>``."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.setting_names import STAT_DROPPED_PREFIX
from crawler.stats import count


class Dropped(DropItem):
    """An item dropped for a reason that is counted in ``newswatch/dropped/<reason>``."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}")


def drop(crawler: Crawler, source: str, reason: str, detail: str) -> Dropped:
    """Count a drop of ``source``'s item under its reason; return the exception to raise."""
    count(crawler.stats, STAT_DROPPED_PREFIX + reason, source)
    return Dropped(reason, detail)
