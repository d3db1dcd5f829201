"""Log lines for scraped and dropped items that never print the item itself.

Scrapy's default formatter logs a dropped item in full at WARNING: for us that is a page's whole
HTML for every duplicate or empty page. A drop is normal here (it is counted under its reason), so
it is one DEBUG line with the reason.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult


class NewsLogFormatter(LogFormatter):
    """One short line per scraped, dropped or failed item."""

    def scraped(self, item: Any, response: Response | Any, spider: Spider) -> LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Scraped %(kind)s from %(src)s",
            "args": {"kind": type(item).__name__, "src": getattr(response, "url", response)},
        }

    def dropped(
        self, item: Any, exception: BaseException, response: Response | Any, spider: Spider
    ) -> LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }

    def item_error(
        self, item: Any, exception: BaseException, response: Response | Any, spider: Spider
    ) -> LogFormatterResult:
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(kind)s from %(src)s",
            "args": {"kind": type(item).__name__, "src": getattr(response, "url", response)},
        }
