"""newswatch's own Scrapy signals (sent with ``crawler.signals.send_catch_log``)."""

from __future__ import annotations

# Sent by the store pipeline once an article has been saved (article_id) or failed (None).
# Arguments: item (ArticleDraft), article_id (int | None).
article_stored = object()
