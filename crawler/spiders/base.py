"""What every newswatch spider shares: built from a Source, polite, and never downloads twice.

A spider per source *kind* (feed, sitemap, listing) only knows how to turn its index document into
``(url, EntryHints)`` pairs. This base turns those pairs into article requests: it canonicalises
the URLs, drops stories older than the source's ``max_age``, asks the store once per batch which
URLs are already known (before any request is made), caps the run at
``NEWSWATCH_MAX_ARTICLES_PER_RUN``, and yields a :class:`~crawler.items.PageItem` per downloaded
page. Feed and sitemap requests are conditional (``If-None-Match`` / ``If-Modified-Since`` from
the store); a 304 counts ``STAT_NOT_MODIFIED`` and yields nothing. Every failed request, on the
source or on an article, is one log line and one ``STAT_ERRORS``, never a crashed crawl.

Built by the service as ``runner.crawl(FeedSpider, source=source)``, or from the command line as
``scrapy crawl feed -a url=https://... [-a name=NAME] [-a links=SELECTOR] [-a max_age=2d]``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.asyncio import run_in_thread
from w3lib.encoding import http_content_type_encoding

from crawler.items import EntryHints, PageItem
from crawler.middlewares.deadline import DeadlineExceeded
from crawler.services import find_services
from crawler.setting_names import (
    NEWSWATCH_DEFAULT_MAX_AGE,
    NEWSWATCH_MAX_ARTICLES_PER_RUN,
    NEWSWATCH_SITEMAP_MAX_CHILDREN,
    NEWSWATCH_SITEMAP_MAX_DEPTH,
    NEWSWATCH_SITEMAP_MAX_DOCUMENTS,
    NEWSWATCH_SOURCE_HEADERS,
    STAT_ENTRIES,
    STAT_ERRORS,
    STAT_NOT_MODIFIED,
    STAT_REQUESTS,
    STAT_SKIPPED_SEEN,
    STAT_SOURCE_ERROR,
)
from crawler.sources import Source, SourceKind, parse_duration
from crawler.stats import count, note
from crawler.urls import canonicalize_url

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

    from crawler.article_store import ArticleStore

logger = logging.getLogger(__name__)

# Stories left out because their date is older than the source's max_age.
STAT_SKIPPED_OLD = "newswatch/skipped_old"
STAT_CAPPED = "newswatch/capped"  # stories left for the next run by MAX_ARTICLES_PER_RUN

_META = "newswatch"  # request meta key: {"role": ..., "url": canonical, "hints": EntryHints}

Entry = tuple[str, EntryHints]


def describe_exception(exc: BaseException) -> str:
    """A one-line reason for a failed download (Twisted's nested failures unwrapped)."""
    cause = exc.__cause__ or exc.__context__
    reasons = getattr(exc, "reasons", None) or getattr(cause, "reasons", None)
    if reasons:
        messages = [
            r.getErrorMessage() if hasattr(r, "getErrorMessage") else str(r) for r in reasons
        ]
        return f"{type(exc).__name__}: {'; '.join(messages)}"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _max_age_seconds(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    return parse_duration(value).total_seconds()


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What an entry parser may accept: story age, and the unpacked size of a document."""

    max_age: float | None  # seconds; older stories are left out (None: no limit)
    max_size: int  # bytes a (gzipped) index document may unpack to; 0: the parser's default


EntryParser = Callable[[Response, Source, ParseLimits], tuple[list[Entry], list[str]]]


@dataclass(slots=True)
class _SourceRun:
    """What one crawl remembers about one of its sources."""

    requested: set[str] = field(default_factory=set)  # canonical article URLs requested
    indexes: set[str] = field(default_factory=set)  # index documents requested (indexes loop)
    article_requests: int = 0
    cap_logged: bool = False


class NewsSpider(scrapy.Spider):
    """Base of the feed, sitemap, listing and batch spiders (not runnable itself).

    A spider crawls one source, or several (the batch spider); every request carries the name of
    its source in its meta, and every count is kept per source (:mod:`crawler.stats`).
    """

    kind: ClassVar[SourceKind | None] = None  # None: any kind (the batch spider)

    def __init__(
        self,
        source: Source | None = None,
        *,
        sources: Sequence[Source] = (),
        url: str | None = None,
        name: str | None = None,
        links: str | None = None,
        max_age: str | None = None,
        **kwargs: Any,
    ) -> None:
        # ``name`` is the *source* name; the spider keeps its kind as its Scrapy name.
        super().__init__(**kwargs)
        chosen = list(sources)
        if source is not None:
            chosen.append(source)
        if not chosen:
            chosen.append(self.source_from_args(url=url, name=name, links=links, max_age=max_age))
        for one in chosen:
            if self.kind is not None and one.kind != self.kind:
                raise ValueError(
                    f"{type(self).__name__} crawls {self.kind} sources, not {one.kind}"
                )
        self.sources: dict[str, Source] = {one.name: one for one in chosen}
        self._runs: dict[str, _SourceRun] = {one.name: _SourceRun() for one in chosen}
        # Validators of parsed index documents, saved when the crawl ends -- except for an index
        # one of whose stories failed for a reason that may pass: a 304 next time would hide it.
        self._validators: dict[str, tuple[Source, str | None, str | None]] = {}
        self._incomplete: set[str] = set()

    @property
    def source(self) -> Source:
        """The source of a single-source spider (the first one of a batch)."""
        return next(iter(self.sources.values()))

    @classmethod
    def source_from_args(
        cls,
        *,
        url: str | None,
        name: str | None = None,
        links: str | None = None,
        max_age: str | None = None,
    ) -> Source:
        """Build a Source from ``scrapy crawl KIND -a url=... [-a name=...]`` arguments."""
        if cls.kind is None:
            raise ValueError("the batch spider crawls the sources the service hands it")
        if not url:
            raise ValueError(f"give the {cls.kind} URL: scrapy crawl {cls.kind} -a url=https://...")
        fields: dict[str, Any] = {
            "name": name or (urlsplit(url).hostname or cls.kind),
            cls.kind: url,
        }
        if links is not None:
            fields["links"] = links
        if max_age is not None:
            fields["max_age"] = max_age
        return Source.model_validate(fields)

    # --- settings and shared services ------------------------------------------------------------

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @property
    def store(self) -> ArticleStore | None:
        """The crawl's store; None in a plain ``scrapy crawl`` (every URL is then new)."""
        services = find_services(self.settings)
        return services.store if services is not None else None

    def request_headers(self, source: Source) -> dict[str, str]:
        headers = dict(self.settings.getdict(NEWSWATCH_SOURCE_HEADERS))
        headers.update(source.headers)
        return headers

    def max_age(self, source: Source) -> float | None:
        if source.max_age is not None:
            return source.max_age.total_seconds()
        return _max_age_seconds(self.settings.get(NEWSWATCH_DEFAULT_MAX_AGE))

    def source_of(self, request: Request) -> Source:
        """The source a request was made for."""
        return self.sources[request.meta[_META]["source"]]

    def entry_parser(self, kind: SourceKind) -> EntryParser:
        """The function that reads an index document of ``kind``."""
        raise NotImplementedError

    def parse_limits(self, source: Source) -> ParseLimits:
        return ParseLimits(
            max_age=self.max_age(source), max_size=self.settings.getint("DOWNLOAD_MAXSIZE")
        )

    def conditional_get(self, source: Source) -> bool:
        """Feeds and sitemaps are fetched conditionally; listing pages change on every visit."""
        return source.kind != "listing"

    # --- the source document ---------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """One conditional request for each source's own URL."""
        known: dict[str, tuple[str | None, str | None]] = {}
        store = self.store
        conditional = [s.url for s in self.sources.values() if self.conditional_get(s)]
        if store is not None and conditional:
            # One query for the whole batch: most polls are 304s, each worth less than a query.
            known = await run_in_thread(store.get_http_validators_many, conditional)
        for source in self.sources.values():
            validators = known.get(source.url, (None, None))
            yield await self.index_request(source, source.url, role="source", validators=validators)

    async def index_request(
        self,
        source: Source,
        url: str,
        *,
        role: str,
        depth: int = 0,
        validators: tuple[str | None, str | None] | None = None,
    ) -> Request:
        """A conditional GET for a feed or sitemap document, parsed by :meth:`parse_index`.

        ``validators``: the (ETag, Last-Modified) already looked up for ``url``; None: look up.
        """
        headers = self.request_headers(source)
        store = self.store if self.conditional_get(source) else None
        if store is not None:
            if validators is None:
                validators = await run_in_thread(store.get_http_validators, url)
            etag, last_modified = validators
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        count(self.stats, STAT_REQUESTS, source.name)
        return Request(
            url,
            callback=self.parse_index,
            errback=self.on_error,
            headers=headers,
            dont_filter=True,
            meta={_META: {"role": role, "index_url": url, "source": source.name, "depth": depth}},
        )

    async def parse_index(self, response: Response) -> AsyncIterator[Any]:
        """Parse the feed/sitemap/listing, request unseen stories, then save the validators."""
        source = self.source_of(response.request)  # type: ignore[arg-type]
        if response.status == 304:
            count(self.stats, STAT_NOT_MODIFIED, source.name)
            logger.info("%s: %s not modified", source.name, response.url)
            return
        try:
            entries, follow = self.entry_parser(source.kind)(
                response, source, self.parse_limits(source)
            )
        except Exception as exc:
            role = response.meta[_META]["role"]
            self.count_error(
                source,
                response.url,
                f"cannot parse {source.kind}: {exc}",
                source_failed=role == "source",
            )
            return
        depth = int(response.meta[_META].get("depth", 0))
        for index_url in self.children_to_follow(source, response.url, follow, depth):
            yield await self.index_request(source, index_url, role="index", depth=depth + 1)
        async for request in self.article_requests(source, entries, response):
            yield request
        if not follow:
            # An index (sitemap index) is always fetched in full: it often stays unchanged while
            # its children change, and a 304 on it would hide them. Its children are conditional.
            self.keep_validators(source, response)

    def children_to_follow(
        self, source: Source, index_url: str, children: Sequence[str], depth: int
    ) -> list[str]:
        """The child sitemaps of an index to request, within the depth and fan-out limits.

        An index may list indexes that list ever-new indexes; without limits one source could
        keep a crawl (and the sources batched with it) busy forever. What is left out is one
        counted error, so the source's owner hears about it.
        """
        run = self._runs[source.name]
        fresh = list(dict.fromkeys(u for u in children if u not in run.indexes and u != source.url))
        if not fresh:
            return []
        max_depth = self.settings.getint(NEWSWATCH_SITEMAP_MAX_DEPTH)
        if depth + 1 > max_depth:
            self.count_error(
                source,
                index_url,
                f"sitemap indexes nested deeper than {max_depth} levels: "
                f"{len(fresh)} child sitemap(s) not followed",
            )
            return []
        max_children = self.settings.getint(NEWSWATCH_SITEMAP_MAX_CHILDREN)
        if len(fresh) > max_children:
            self.count_error(
                source,
                index_url,
                f"the index lists {len(fresh)} sitemaps; following the first {max_children}",
            )
            fresh = fresh[:max_children]
        budget = self.settings.getint(NEWSWATCH_SITEMAP_MAX_DOCUMENTS) - len(run.indexes)
        if len(fresh) > budget:
            self.count_error(
                source,
                index_url,
                f"more than {len(run.indexes) + len(fresh)} sitemaps in one run: "
                f"{len(fresh) - max(budget, 0)} not followed",
            )
            fresh = fresh[: max(budget, 0)]
        run.indexes.update(fresh)
        return fresh

    def keep_validators(self, source: Source, response: Response) -> None:
        """Note ETag / Last-Modified of a parsed index document, to save when the crawl ends."""
        if not self.conditional_get(source):
            return
        etag = response.headers.get(b"ETag")
        last_modified = response.headers.get(b"Last-Modified")
        if etag is None and last_modified is None:
            return
        self._validators[response.meta[_META].get("index_url", response.url)] = (
            source,
            etag.decode("latin-1") if etag else None,
            last_modified.decode("latin-1") if last_modified else None,
        )

    async def closed(self, reason: str) -> None:
        """Save the validators of the index documents whose stories all came in."""
        store = self.store
        if store is None or reason != "finished":
            return  # an interrupted crawl fetches its indexes in full next time
        for url, (source, etag, last_modified) in self._validators.items():
            if url in self._incomplete:
                logger.info(
                    "%s: %s will be fetched in full again (a story failed)", source.name, url
                )
                continue
            try:
                await run_in_thread(store.set_http_validators, url, etag, last_modified)
            except Exception as exc:  # costs one full download next time, nothing more
                logger.warning("%s: could not save validators of %s: %s", source.name, url, exc)

    # --- stories ---------------------------------------------------------------------------------

    async def article_requests(
        self, source: Source, entries: Iterable[Entry], response: Response
    ) -> AsyncIterator[Request]:
        """Requests for the stories of one index document that are new, recent and unseen."""
        cutoff = None
        if (max_age := self.max_age(source)) is not None:
            cutoff = datetime.now(UTC) - timedelta(seconds=max_age)
        run = self._runs[source.name]
        batch: dict[str, tuple[str, EntryHints]] = {}
        for raw_url, hints in entries:
            absolute = response.urljoin(raw_url.strip())
            if urlsplit(absolute).scheme not in ("http", "https"):
                continue
            count(self.stats, STAT_ENTRIES, source.name)
            canonical = canonicalize_url(absolute)
            if canonical in run.requested or canonical in batch:
                continue  # the same story twice in one run (tracking parameters, two indexes)
            published = hints.published
            if cutoff is not None and published is not None and published < cutoff:
                count(self.stats, STAT_SKIPPED_OLD, source.name)
                continue
            batch[canonical] = (absolute, hints)
        if not batch:
            return
        store = self.store
        if store is not None:
            # One query per index document, off the event loop, before any article request.
            seen = await run_in_thread(store.seen_urls, list(batch))
            if seen:
                count(self.stats, STAT_SKIPPED_SEEN, source.name, len(seen))
                for url in seen:
                    batch.pop(url, None)
        limit = self.settings.getint(NEWSWATCH_MAX_ARTICLES_PER_RUN)
        for canonical, (absolute, hints) in batch.items():
            if limit and run.article_requests >= limit:
                count(self.stats, STAT_CAPPED, source.name)
                if not run.cap_logged:
                    run.cap_logged = True
                    logger.info(
                        "%s: reached %d articles this run; the rest waits for the next run",
                        source.name,
                        limit,
                    )
                continue
            run.requested.add(canonical)
            run.article_requests += 1
            count(self.stats, STAT_REQUESTS, source.name)
            yield Request(
                absolute,
                callback=self.parse_article,
                errback=self.on_error,
                headers=self.request_headers(source),
                meta={
                    _META: {
                        "role": "article",
                        "url": canonical,
                        "hints": hints,
                        "source": source.name,
                        "index_url": response.meta[_META].get("index_url", response.url),
                    }
                },
            )

    def parse_article(self, response: Response) -> Iterable[PageItem]:
        """The downloaded article page as a :class:`PageItem` for the pipelines."""
        info = response.meta[_META]
        source = self.sources[info["source"]]
        if not isinstance(response, TextResponse):
            self.count_error(source, response.url, "not a text page")
            return
        yield PageItem(
            source=source.name,
            url=info["url"],
            final_url=response.url,
            # The bytes, not response.text: Scrapy believes the header's charset over the page's
            # own bytes, and a mislabelled page would be stored and matched as mojibake.
            html=response.body,
            charset=http_content_type_encoding(
                (response.headers.get(b"Content-Type") or b"").decode("latin-1")
            ),
            hints=info["hints"],
            fetched_at=datetime.now(UTC),
        )

    # --- failures --------------------------------------------------------------------------------

    def count_error(
        self, source: Source, url: str, reason: str, *, source_failed: bool = False
    ) -> None:
        """Count one failed request or document, with one log line.

        ``source_failed``: the source's own URL failed, so the run found nothing; the reason is
        kept in ``STAT_SOURCE_ERROR`` for the crawl summary and the source's state.
        """
        count(self.stats, STAT_ERRORS, source.name)
        if source_failed:
            note(self.stats, STAT_SOURCE_ERROR, source.name, f"{url}: {reason}")
        logger.error("%s: %s failed: %s", source.name, url, reason)

    def on_error(self, failure: Failure) -> None:
        """Errback of every request: one counted error; refusals are counted by their middleware."""
        request: Request = failure.request  # type: ignore[attr-defined]
        source = self.source_of(request)
        role = request.meta.get(_META, {}).get("role", "article")
        exc = failure.value
        assert exc is not None
        if role == "article" and _may_pass(exc):
            self._incomplete.add(request.meta[_META].get("index_url", ""))
        if isinstance(exc, HttpError):
            reason = f"HTTP {exc.response.status}"
        elif isinstance(exc, IgnoreRequest):
            if role == "article":
                return  # robots.txt or a private address: counted where it was decided
            reason = f"refused: {exc}"
        else:
            reason = describe_exception(exc)
        self.count_error(
            source,
            request.url,
            reason if role == "article" else f"{source.kind} {reason}",
            source_failed=role == "source",
        )


def _may_pass(exc: BaseException) -> bool:
    """Whether a failed story download may succeed later (5xx, 429, timeouts, lost connections).

    A 4xx other than 408/429, or a refusal (robots.txt, a private address), will not; a story
    left out at its source's deadline will.
    """
    if isinstance(exc, HttpError):
        status = exc.response.status
        return status >= 500 or status in (408, 429)
    return not isinstance(exc, IgnoreRequest) or isinstance(exc, DeadlineExceeded)
