"""Scrapy settings of the newswatch crawler, and the defaults of our own ``NEWSWATCH_*`` settings.

``newswatch`` builds per-run settings from the validated config
(:func:`crawler.crawl_runner.build_settings`); these are the defaults that also make ``scrapy
list`` / ``scrapy crawl`` work from the project root (without a store: see
:mod:`crawler.services`). Every setting of ours starts with ``NEWSWATCH_`` and is referred to
through the constant of the same name in :mod:`crawler.setting_names`.
"""

from __future__ import annotations

BOT_NAME = "newswatch"
SPIDER_MODULES = ["crawler.spiders"]
# `scrapy crawl` with usage errors for a source name or a missing -a url (crawler/commands/).
COMMANDS_MODULE = "crawler.commands"
NEWSPIDER_MODULE = "crawler.spiders"

# --- our settings: defaults here, names through crawler.setting_names ---------------------------
NEWSWATCH_SERVICES = None  # a crawler.services.CrawlServices (store, matcher, threads), or None
NEWSWATCH_ROUTES: dict[str, list[str]] = {}  # {watchlist name: [channel names]}
NEWSWATCH_ALLOW_PRIVATE = False
NEWSWATCH_MAX_RETRY_AFTER = 300  # seconds; a longer Retry-After gives up on the request
NEWSWATCH_MAX_ARTICLES_PER_RUN = 200
NEWSWATCH_DEFAULT_MAX_AGE = 3 * 86400  # seconds, or None
NEWSWATCH_DRY_RUN = False
NEWSWATCH_NEAR_DUPLICATE_BITS = 3  # SimHash Hamming distance that counts as the same story
NEWSWATCH_SOURCE_HEADERS: dict[str, str] = {}  # sent on every request; a source adds its own
# Sitemap indexes: how many levels of indexes below the source, how many children one index may
# add, and how many index documents one source may fetch in one run (an index of ever-new indexes
# must not keep a crawl busy forever).
NEWSWATCH_SITEMAP_MAX_DEPTH = 2
NEWSWATCH_SITEMAP_MAX_CHILDREN = 50
NEWSWATCH_SITEMAP_MAX_DOCUMENTS = 100
# Seconds a source may take in one crawl (0: no deadline); the crawl itself is closed by
# CLOSESPIDER_TIMEOUT a little later, as a last resort. The service sets both from [crawl].
NEWSWATCH_SOURCE_DEADLINE = 300
CLOSESPIDER_TIMEOUT = 330

# --- politeness -----------------------------------------------------------------------------------
USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch; news alerting bot)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# 304s reach the spider so it can count them and skip the body.
HTTPERROR_ALLOWED_CODES = [304]

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
    # Refuse loopback/private/link-local targets before anything else touches the request.
    "crawler.middlewares.private.PrivateAddressMiddleware": 50,
    # Our robots.txt middleware gives every queued request its own wait for the parser.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.RobotsTxtMiddleware": 100,
    # Retries that honour Retry-After.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.RetryAfterMiddleware": 550,
    # After DownloadTimeoutMiddleware (350): lowers its download_timeout to the time left.
    "crawler.middlewares.deadline.DeadlineMiddleware": 360,
}

# Only HTTP(S): news has no file:, data:, ftp: or s3: URLs, and every handler is built again for
# every crawl (the service runs one per batch of sources).
DOWNLOAD_HANDLERS = {"data": None, "file": None, "ftp": None, "s3": None}
# Scrapy starts this many tasks for the output of every response (Scrapy's default: 100), a 304's
# empty output included; a response here yields one page or a feed's few requests.
CONCURRENT_ITEMS = 8

# Components a news crawl does not use: each costs CPU on every crawl, and every source is crawled
# every few minutes. They are left out of the base list rather than set to None in EXTENSIONS,
# because Scrapy imports every listed component to normalise its key, even a disabled one:
# RemoteControl alone imports aiohttp's web server (~0.1 CPU-s of every ``newswatch crawl``), and
# TelnetConsole twisted.conch. Left out: MemoryUsage (the service watches its own memory),
# MemoryDebugger, LogStats, SpiderState, RemoteControl, TelnetConsole.
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.feedexport.FeedExporter": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

ITEM_PIPELINES = {
    "crawler.pipelines.extract.ExtractPipeline": 100,
    "crawler.pipelines.normalize.NormalizePipeline": 200,
    "crawler.pipelines.dedupe.DedupePipeline": 300,
    "crawler.pipelines.match.MatchPipeline": 400,
    "crawler.pipelines.store.StorePipeline": 500,
}

LOG_LEVEL = "INFO"
# Drops and errors in one line each, without the item (a page's whole HTML).
LOG_FORMATTER = "crawler.logformatter.NewsLogFormatter"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Checks the addresses each download connects to (DNS rebinding); see crawler/resolver.py.
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedNameResolver"
FEED_EXPORT_ENCODING = "utf-8"
