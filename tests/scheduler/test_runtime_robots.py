"""A config reload keeps the process's robots.txt cache, and every crawl's settings carry it."""

from __future__ import annotations

from pathlib import Path

from crawler.services import find_services
from scheduler.config import load_config
from scheduler.runtime import open_runtime

CONFIG = """\
[service]
data_dir = "data"

[crawl]
allow_private = true
user_agent = "{agent}"

[[source]]
name = "site-feed"
feed = "http://127.0.0.1:1/feed.xml"
every = "90s"
"""


def test_a_reload_keeps_the_robots_cache(tmp_path: Path) -> None:
    path = tmp_path / "newswatch.toml"
    path.write_text(CONFIG.format(agent="one/1.0"))
    runtime = open_runtime(load_config(path, environ={}), use_pool=False)
    try:
        runtime.robots.store_unreachable("http://127.0.0.1:1", "HTTP 503")
        path.write_text(CONFIG.format(agent="two/2.0"))
        reloaded = runtime.reconfigured(load_config(path, environ={}))
        assert reloaded.config.crawl.user_agent == "two/2.0"
        assert reloaded.robots is runtime.robots
        assert reloaded.robots.get("http://127.0.0.1:1") is not None
        for batcher in (runtime.batches(), reloaded.batches(), reloaded.batches(dry_run=True)):
            services = find_services(batcher.runner.settings)
            assert services is not None and services.robots is runtime.robots
    finally:
        runtime.close()
