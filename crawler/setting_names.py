"""Names of newswatch's own Scrapy settings, so code never spells one twice.

Their defaults live in :mod:`crawler.settings`; components read them with
``crawler.settings.get(NAME)`` in ``from_crawler``.
"""

from __future__ import annotations

NEWSWATCH_SERVICES = "NEWSWATCH_SERVICES"
NEWSWATCH_ROUTES = "NEWSWATCH_ROUTES"
NEWSWATCH_ALLOW_PRIVATE = "NEWSWATCH_ALLOW_PRIVATE"
NEWSWATCH_MAX_RETRY_AFTER = "NEWSWATCH_MAX_RETRY_AFTER"
NEWSWATCH_MAX_ARTICLES_PER_RUN = "NEWSWATCH_MAX_ARTICLES_PER_RUN"
NEWSWATCH_DEFAULT_MAX_AGE = "NEWSWATCH_DEFAULT_MAX_AGE"
NEWSWATCH_DRY_RUN = "NEWSWATCH_DRY_RUN"
NEWSWATCH_NEAR_DUPLICATE_BITS = "NEWSWATCH_NEAR_DUPLICATE_BITS"
NEWSWATCH_SOURCE_HEADERS = "NEWSWATCH_SOURCE_HEADERS"
NEWSWATCH_SITEMAP_MAX_DEPTH = "NEWSWATCH_SITEMAP_MAX_DEPTH"
NEWSWATCH_SITEMAP_MAX_CHILDREN = "NEWSWATCH_SITEMAP_MAX_CHILDREN"
NEWSWATCH_SITEMAP_MAX_DOCUMENTS = "NEWSWATCH_SITEMAP_MAX_DOCUMENTS"
NEWSWATCH_SOURCE_DEADLINE = "NEWSWATCH_SOURCE_DEADLINE"

# Stats keys every component uses for the per-source crawl summary.
STAT_REQUESTS = "newswatch/requests"  # requests a source made (its index, then its stories)
STAT_ENTRIES = "newswatch/entries"  # stories discovered in the feed / sitemap / listing
STAT_SKIPPED_SEEN = "newswatch/skipped_seen"  # stories not downloaded: URL already known
STAT_NOT_MODIFIED = "newswatch/not_modified"  # feed or sitemap answered 304
STAT_NEW_ARTICLES = "newswatch/new_articles"
STAT_DUPLICATES = "newswatch/duplicates"
STAT_DROPPED_PREFIX = "newswatch/dropped/"  # + reason
STAT_ERRORS = "newswatch/errors"
STAT_MATCHES = "newswatch/matches"
STAT_REFUSED_PRIVATE = "newswatch/refused_private"
STAT_ROBOTS_FORBIDDEN = "newswatch/robots_forbidden"
STAT_DEADLINE_DROPPED = "newswatch/deadline_dropped"  # requests left out at the source's deadline
STAT_SOURCE_ERROR = "newswatch/source_error"  # why the source's own URL failed (a string)
