"""newswatch's crawler: how articles come in and what they are about.

A normal Scrapy project (spiders per source kind, item pipelines, middlewares) plus two pure cores
that need no Scrapy: article extraction (:mod:`crawler.extractor`) and watchlist matching
(:mod:`crawler.matching`). This package never imports :mod:`scheduler`; the validated config
objects it needs are handed to it.
"""
