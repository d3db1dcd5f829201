"""Scrapy commands of the project (``COMMANDS_MODULE``): a ``scrapy crawl`` that explains itself."""
