"""Validated descriptions of what to crawl: one :class:`Source` per ``[[source]]`` entry, and the
``[crawl]`` politeness options (:class:`CrawlOptions`).

They are pydantic models so that ``scheduler.config`` validates them straight from TOML (with
unknown keys refused) and hands the frozen objects down to the spiders.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

from crawler.durations import MAX_DURATION as MAX_DURATION
from crawler.durations import format_duration as format_duration
from crawler.durations import parse_duration as parse_duration

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

SourceKind = Literal["feed", "sitemap", "listing"]

# The cadence floor. Polling a public site more often than once a minute is impolite and finds
# nothing a minute would miss; local sites (loopback: tests, the demo) may go down to a second.
MIN_EVERY = timedelta(minutes=1)
MIN_EVERY_LOOPBACK = timedelta(seconds=1)

MIN_DEADLINE = timedelta(seconds=1)
MAX_DEADLINE = timedelta(hours=6)
# Seconds between a source's deadline and the crawl's own (CLOSESPIDER_TIMEOUT): time for the
# last downloads to be cut and the items in the pipelines to be stored.
CRAWL_DEADLINE_GRACE = 30.0


class Source(BaseModel):
    """One news source: a feed, a (news) sitemap, or a listing page with a link selector."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    feed: HttpUrl | None = None
    sitemap: HttpUrl | None = None
    listing: HttpUrl | None = None
    links: str | None = None  # CSS selector for article links on a listing page
    every: Duration = timedelta(minutes=5)
    enabled: bool = True
    max_age: Duration | None = None  # ignore stories published longer ago than this
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        given = [k for k in ("feed", "sitemap", "listing") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a source needs exactly one of 'feed', 'sitemap' or 'listing'"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.listing is not None and not self.links:
            raise ValueError("a 'listing' source needs 'links', a CSS selector for article links")
        if self.links is not None and self.listing is None:
            raise ValueError("'links' only applies to a 'listing' source")
        if self.links is not None:
            _check_css(self.links)
        floor = MIN_EVERY_LOOPBACK if _is_loopback(self.url) else MIN_EVERY
        if self.every < floor:
            raise ValueError(
                f"'every' must be at least {_short(floor)} (1s for a loopback source), "
                f"got {_short(self.every)}"
            )
        return self

    @property
    def kind(self) -> SourceKind:
        if self.feed is not None:
            return "feed"
        if self.sitemap is not None:
            return "sitemap"
        return "listing"

    @property
    def url(self) -> str:
        """The URL the crawl of this source starts from."""
        return str(self.feed or self.sitemap or self.listing)


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _short(value: timedelta) -> str:
    seconds = value.total_seconds()
    return f"{seconds / 60:g}m" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g}s"


def _check_css(selector: str) -> None:
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise ValueError(f"'links' is not a valid CSS selector: {exc}") from exc


class CrawlOptions(BaseModel):
    """The ``[crawl]`` table: politeness and limits applied to every source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str = "newswatch/0.1 (+https://github.com/newswatch/newswatch; news alerting bot)"
    obey_robots: bool = True
    concurrency_per_domain: int = Field(default=2, ge=1, le=2)
    concurrency: int = Field(default=16, ge=1, le=256)
    download_delay: Duration = timedelta(seconds=0.5)
    autothrottle: bool = True
    timeout: Duration = timedelta(seconds=30)
    max_size: int = Field(default=10 * 1024 * 1024, ge=1024)  # bytes per response
    retries: int = Field(default=2, ge=0, le=10)
    max_retry_after: Duration = timedelta(minutes=5)  # longest Retry-After we wait for
    allow_private: bool = False  # allow links to loopback/private addresses (tests, demo)
    max_articles_per_run: int = Field(default=200, ge=1)
    default_max_age: Duration | None = timedelta(days=3)
    # How long one source may take in one crawl; a slower one is cut and resumes next run.
    deadline: Duration = timedelta(minutes=5)

    @field_validator("deadline")
    @classmethod
    def _sane_deadline(cls, value: timedelta) -> timedelta:
        if not MIN_DEADLINE <= value <= MAX_DEADLINE:
            raise ValueError(
                f"the crawl deadline must be between {MIN_DEADLINE.total_seconds():g}s and "
                f"{MAX_DEADLINE.total_seconds() / 3600:g}h"
            )
        return value
