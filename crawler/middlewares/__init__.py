"""Downloader middlewares of the newswatch crawler, one per module.

``private`` refuses non-public targets, ``robots`` obeys robots.txt without Scrapy 2.19's race,
``retry`` retries 5xx/429 answers honouring ``Retry-After``, ``deadline`` cuts a source that
overruns its time in a crawl. They are enabled in
:mod:`crawler.settings` (``DOWNLOADER_MIDDLEWARES``).
"""
