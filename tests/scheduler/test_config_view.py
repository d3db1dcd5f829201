"""The read-only commands' view of the config equals the full reading's, or gives its error.

:func:`scheduler.config_view.load_view` reads a few keys without pydantic and hands anything not
plainly valid to ``load_config``. These tests hold the two readings together: the key sets it
knows are the models' fields, a plain config is read on the fast path and gives the very view the
validated config gives, and on every generated config of the config fuzz (hostile values,
mutated bytes) the fast path either agrees with the full reading or stays out of the way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import HttpUrl

from alerts.channels import ConsoleChannel, EmailChannel, SlackChannel, WebhookChannel
from crawler.matching import load_default_watchlist
from crawler.sources import Source
from scheduler import config_view
from scheduler.config import Config, ServiceOptions, WatchlistsOptions, load_config
from scheduler.config_view import ConfigView, WatchlistView, load_view
from scheduler.errors import ConfigError
from tests.scheduler.test_config_fuzz import _cases, _write

WATCHLIST = 'name = "deals"\nnotify = ["team"]\n\n[[entity]]\nname = "Meta"\n'

PLAIN = """\
[service]
data_dir = "data"
ops_channel = "ops"
health_listen = "[::1]:8765"

[crawl]
timeout = "20s"

[watchlists]
include = ["watchlists/*.toml"]

[[source]]
name = "wire"
feed = "https://news.example.com/feed.xml"
every = "90s"

[[source]]
name = "site-news"
sitemap = "https://news.example.com"
every = "1h"
max_age = "2d"

[[source]]
name = "site.listing_2"
listing = "https://www.example.org/tech/?page=1&sort=new"
links = "article h2 a"
enabled = false

[[channel]]
name = "team"
kind = "slack"
token = "env:NW_TEST_VIEW_TOKEN"
channel = "#news"

[[channel]]
name = "ops"
kind = "console"
"""


def fast_view(path: Path) -> ConfigView:
    """The fast path alone (raises where ``load_view`` would fall back)."""
    return config_view._read(path, False, os.environ)


def test_the_keys_it_knows_are_the_models_fields() -> None:
    assert set(ServiceOptions.model_fields) == config_view.SERVICE_KEYS
    assert set(WatchlistsOptions.model_fields) == config_view.WATCHLISTS_KEYS
    assert set(Source.model_fields) == config_view.SOURCE_KEYS
    renamed = {"sources": "source", "channels": "channel"}
    top = {renamed.get(k, k) for k in Config.model_fields} - {"path", "bundled", "files"}
    assert top == config_view.TOP_KEYS
    kinds = {
        m.model_fields["kind"].default
        for m in (SlackChannel, EmailChannel, WebhookChannel, ConsoleChannel)
    }
    assert kinds == config_view.CHANNEL_KINDS
    # The name patterns it accepts are the models' (sources and channels; watchlists share it).
    for model in (Source, ConsoleChannel):
        patterns = [m.pattern for m in model.model_fields["name"].metadata if hasattr(m, "pattern")]
        assert patterns == [config_view._NAME.pattern]


@pytest.mark.parametrize("secret", [True, False], ids=["secret-set", "secret-unset"])
def test_a_plain_config_takes_the_fast_path_and_gives_the_validated_view(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: bool
) -> None:
    if secret:
        monkeypatch.setenv("NW_TEST_VIEW_TOKEN", "xoxb-1")
    else:
        monkeypatch.delenv("NW_TEST_VIEW_TOKEN", raising=False)
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "deals.toml").write_text(WATCHLIST)
    (tmp_path / "watchlists" / "all.toml").write_text('name = "everything"\n')
    path = tmp_path / "newswatch.toml"
    path.write_text(PLAIN)
    view = fast_view(path)
    assert view == ConfigView.of(load_config(path, secrets=False))
    assert view == load_view(path)
    # What status shows of it, spelled out once.
    assert [(s.kind, s.url) for s in view.sources] == [
        ("feed", "https://news.example.com/feed.xml"),
        ("sitemap", "https://news.example.com/"),
        ("listing", "https://www.example.org/tech/?page=1&sort=new"),
    ]
    assert [c.kind for c in view.channels] == ["slack" if secret else "console", "console"]
    assert view.routes() == {"deals": ["team"], "everything": ["team"]}


@pytest.mark.parametrize(
    "text",
    [
        "",  # the bundled default watchlist, the console channel, the default data folder
        '[service]\ndatabase_url = "env:NW_TEST_VIEW_DB"\nhealth_listen = ""\n',
        '[watchlists]\nuse_default = false\n\n[[source]]\nname = "a"\nfeed = "http://a.example"\n',
    ],
    ids=["empty", "env-database", "no-watchlist"],
)
def test_small_configs_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("NW_TEST_VIEW_DB", "postgresql://u:pw@db.example/newswatch")
    path = tmp_path / "newswatch.toml"
    path.write_text(text)
    assert fast_view(path) == ConfigView.of(load_config(path, secrets=False))


def test_the_default_watchlist_is_named_as_its_file_says() -> None:
    default = load_default_watchlist()
    assert config_view._default_watchlist() == WatchlistView(default.name, tuple(default.notify))


def test_the_example_and_the_init_template_agree(tmp_path: Path) -> None:
    example = config_view.EXAMPLE_DIR / config_view.DEFAULT_CONFIG_NAME
    assert fast_view(example) == ConfigView.of(load_config(example, secrets=False))
    from scheduler.cli import main

    assert main(["init", str(tmp_path / "new")]) == 0
    made = tmp_path / "new" / "newswatch.toml"
    assert fast_view(made) == ConfigView.of(load_config(made, secrets=False))


@pytest.mark.parametrize(
    ("replace", "by"),
    [
        ('every = "90s"', 'every = "10s"'),  # below the floor
        ('every = "90s"', 'every = "soon"'),
        ('every = "90s"', 'evry = "90s"'),  # unknown key
        ('name = "wire"', 'name = "-wire"'),
        ('name = "wire"', 'name = "site-news"'),  # a duplicate
        ('ops_channel = "ops"', 'ops_channel = "nope"'),
        ('health_listen = "[::1]:8765"', 'health_listen = "[::1]:99999"'),
        ('data_dir = "data"', "data_dir = 5"),
        ('data_dir = "data"', 'databse_url = "sqlite:///x.db"'),  # a typo must not be skipped
        ('links = "article h2 a"', 'links = "article >> a"'),
        ('links = "article h2 a"', ""),
        ("enabled = false", 'enabled = "no"'),  # pydantic reads it; the fast path leaves it
        ('kind = "console"', 'kind = "pager"'),
        ('feed = "https://news.example.com/feed.xml"', 'feed = "https://News.Example.com/feed"'),
        ('feed = "https://news.example.com/feed.xml"', 'feed = "ftp://news.example.com/feed"'),
        ('feed = "https://news.example.com/feed.xml"', 'feed = "https://news.example.com/a/../b"'),
        ('include = ["watchlists/*.toml"]', 'include = "watchlists/*.toml"'),
        ('include = ["watchlists/*.toml"]', 'include = ["missing.toml"]'),
        ('data_dir = "data"', 'database_url = "env:NW_TEST_VIEW_UNSET"'),
        ("[crawl]", "crawl = 5\n[crawl2]"),
    ],
)
def test_what_the_fast_path_does_not_vouch_for_gets_the_full_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replace: str, by: str
) -> None:
    monkeypatch.setenv("NW_TEST_VIEW_TOKEN", "xoxb-1")
    monkeypatch.delenv("NW_TEST_VIEW_UNSET", raising=False)
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "deals.toml").write_text(WATCHLIST)
    path = tmp_path / "newswatch.toml"
    assert replace in PLAIN
    path.write_text(PLAIN.replace(replace, by))
    with pytest.raises(Exception):  # noqa: B017 - whatever it is, the fast path steps aside
        fast_view(path)
    assert _reading(path) == _reading(path, full=True)


def test_watchlist_names_and_routes_are_checked_like_the_full_reading(tmp_path: Path) -> None:
    (tmp_path / "watchlists").mkdir()
    path = tmp_path / "newswatch.toml"
    path.write_text(PLAIN.replace('token = "env:NW_TEST_VIEW_TOKEN"', 'token = "x"'))
    for text in (
        'name = "deals"\nnotify = ["nobody"]\n',
        'name = "bad name"\n',
        'notify = ["team"]\n',
        'name = "deals"\nnotify = "team"\n',
        'name = "deals"\n[[entity]\n',
    ):
        (tmp_path / "watchlists" / "deals.toml").write_text(text)
        with pytest.raises(Exception):  # noqa: B017 - whatever it is, the fast path steps aside
            fast_view(path)
        assert _reading(path) == _reading(path, full=True)
    (tmp_path / "watchlists" / "other.toml").write_text('name = "deals"\n')
    (tmp_path / "watchlists" / "deals.toml").write_text('name = "deals"\n')
    assert "two watchlists are named 'deals'" in str(_reading(path))


def test_on_every_fuzzed_config_the_fast_path_agrees_or_steps_aside(tmp_path: Path) -> None:
    """The config fuzz's cases, on a public URL so the fast path has a chance: wherever it gives
    a view, the full reading gives the same one, or fails on a key the view does not read."""
    read_keys = re.compile(
        r"^(service\.(data_dir|database_url|ops_channel|health_listen)"
        r"|source\[\d+\]\.(name|feed|sitemap|listing|links|every|enabled)"
        r"|channel\[\d+\]\.(name|kind)|watchlists\.(include|use_default)|name|notify)$"
    )
    fast = agreed = 0
    for label, config, watchlist in _cases():
        config = config.replace("http://127.0.0.1:1/", "https://news.example.com/")
        path = _write(tmp_path, label, config, watchlist)
        try:
            view = fast_view(path)
        except Exception:
            continue  # the full reading decides: nothing to compare
        fast += 1
        full = _reading(path, full=True)
        if isinstance(full, ConfigView):
            assert view == full, label
            agreed += 1
        else:
            assert full.key is not None and not read_keys.match(full.key), (label, str(full))
    assert fast >= 50 and agreed >= 1, (fast, agreed)


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.com/feed.xml",
        "http://example.com",
        "https://example.com?x=1",
        "https://a-b.example.co.uk/x/y;z/?q=a:b@c&d=e+f",
        "https://example.com/~user/feed.rss",
        "https://example.com/a//b/",
        "https://example.com/a/.b/c..d/",
        "https://example.com/%7Efeed",
        "https://EXAMPLE.com/",
        "https://example.com:443/",
        "https://127.0.0.1/",
        "https://xn--bcher-kva.example/",
        "https://example.com/a b",
        "https://example.com/a/./b",
        "https://example.com/?q='x'",
        "https://example.com/#top",
        "https://example.123/",
    ],
)
def test_a_url_it_takes_as_written_is_one_pydantic_keeps(url: str) -> None:
    try:
        plain = config_view._plain_url(url)
    except config_view._NotPlain:
        return
    assert plain == str(HttpUrl(url))


def _reading(path: Path, *, full: bool = False) -> ConfigView | ConfigError:
    """The view, or the error as a value (compared by its text and key)."""
    try:
        if full:
            return ConfigView.of(load_config(path, secrets=False))
        return load_view(path)
    except ConfigError as exc:
        return _Error(exc)


class _Error(ConfigError):
    """A ConfigError that compares by its text."""

    def __init__(self, exc: ConfigError) -> None:
        super().__init__(exc.reason, path=exc.path, line=exc.line, key=exc.key)
        self.more = exc.more

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigError) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash(str(self))
