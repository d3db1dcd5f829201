"""What the read-only commands show of the config, read without pydantic when it plainly can be.

``newswatch status`` and ``matches`` show a part of the config (the database, the sources, the
watchlists' names and routes, the channels) in a fresh interpreter each time, and importing
pydantic and validating every model costs more than those commands may take. :func:`load_view`
reads just those keys from the TOML files into a :class:`ConfigView`. It is a fast path, not a
second validator: whenever one of the keys it reads is not plainly valid -- a wrong type, an
unknown key in a table it reads, a URL pydantic would rewrite, a duplicate name, an unknown
channel, an unset ``env:`` variable -- it hands the file to :func:`scheduler.config.load_config`,
which gives the same view or the full ``file:line: key: reason`` error. Keys it does not show
(``[crawl]``, a channel's settings, a watchlist's rules) are not checked here; ``check-config``
and the service check them. ``tests/scheduler/test_config_view.py`` holds both readings equal.

It also holds what both readers share: where the config file is (:func:`resolve_config_path`,
which reads ``$NEWSWATCH_CONFIG``), ``host:port`` parsing, the default database URL and the routes.
"""

from __future__ import annotations

import glob
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.durations import parse_duration
from scheduler.config_toml import read_toml, resolve_env, without_unset_secrets
from scheduler.errors import ConfigError

if TYPE_CHECKING:
    from scheduler.config import Config

CONFIG_ENV = "NEWSWATCH_CONFIG"
DEFAULT_CONFIG_NAME = "newswatch.toml"
EXAMPLE_DIR = Path(__file__).parent / "example"
DEFAULT_HEALTH_LISTEN = "127.0.0.1:8765"
DEFAULT_DATA_DIR = Path("newswatch-data")
DEFAULT_EVERY = timedelta(minutes=5)

# The keys of the tables this module reads (the models' fields; the test compares them).
TOP_KEYS = frozenset({"service", "crawl", "source", "channel", "watchlists"})
SERVICE_KEYS = frozenset(
    {
        "data_dir",
        "database_url",
        "ops_channel",
        "health_listen",
        "retention",
        "max_concurrent_crawls",
        "shutdown_grace",
        "dispatch_every",
        "jitter",
        "failing_after",
        "stale_factor",
        "max_backoff",
        "story_window",
        "log_json",
        "cluster",
    }
)
WATCHLISTS_KEYS = frozenset({"include", "use_default"})
SOURCE_KEYS = frozenset(
    {"name", "feed", "sitemap", "listing", "links", "every", "enabled", "max_age", "headers"}
)
SOURCE_KINDS = ("feed", "sitemap", "listing")
CHANNEL_KINDS = frozenset({"slack", "email", "webhook", "console"})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # sources, channels and watchlists alike
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.?$"
)
# A URL that pydantic's HttpUrl keeps as written (bar a "/" for an empty path): lower-case
# http(s), a lower-case host name whose last label is not numeric (an IP address may be
# rewritten), no port, and path and query of characters that are never escaped. Anything else
# goes to the full reading.
_PLAIN_URL = re.compile(
    r"^https?://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z]([a-z0-9-]{0,61}[a-z0-9])?"
    r"(?P<path>/[A-Za-z0-9\-._~!$&()*+,;=:@/]*)?(\?[A-Za-z0-9\-._~!$&()*+,;=:@/?]*)?$"
)
_DOT_SEGMENT = re.compile(r"(^|/)\.{1,2}(/|$)")


class _NotPlain(Exception):
    """A key the fast path does not vouch for: the full reading decides."""


@dataclass(frozen=True, slots=True)
class SourceView:
    name: str
    kind: str  # feed | sitemap | listing
    url: str
    every: timedelta
    enabled: bool


@dataclass(frozen=True, slots=True)
class WatchlistView:
    name: str
    notify: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChannelView:
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class ConfigView:
    """The part of the config ``status`` and ``matches`` show."""

    path: Path | None
    bundled: bool
    database_url: str
    health_listen: str | None
    ops_channel: str | None
    cluster: bool
    sources: tuple[SourceView, ...]
    watchlists: tuple[WatchlistView, ...]
    channels: tuple[ChannelView, ...]

    @classmethod
    def of(cls, config: Config) -> ConfigView:
        """The view of a fully validated config."""
        return cls(
            path=config.path,
            bundled=config.bundled,
            database_url=config.database_url,
            health_listen=config.service.health_listen,
            ops_channel=config.service.ops_channel,
            cluster=config.service.cluster,
            sources=tuple(
                SourceView(s.name, s.kind, s.url, s.every, s.enabled) for s in config.sources
            ),
            watchlists=tuple(WatchlistView(w.name, tuple(w.notify)) for w in config.watchlists),
            channels=tuple(ChannelView(c.name, c.kind) for c in config.channels),
        )

    def routes(self) -> dict[str, list[str]]:
        """Each watchlist's channels (see :meth:`scheduler.config.Config.routes`)."""
        return routes_for(
            ((w.name, w.notify) for w in self.watchlists),
            [c.name for c in self.channels],
            self.ops_channel,
        )


def routes_for(
    watchlists: Iterable[tuple[str, tuple[str, ...]]], channels: list[str], ops: str | None
) -> dict[str, list[str]]:
    """Map each (name, notify) watchlist to its channels: ``notify``, else all but ``ops``."""
    every = [name for name in channels if name != ops]
    return {name: list(notify) if notify else every for name, notify in watchlists}


def database_url_for(data_dir: Path, database_url: str | None, base: Path) -> str:
    """``database_url``, or the SQLite file under ``data_dir`` (relative to ``base``)."""
    if database_url:
        return database_url
    data_dir = data_dir if data_dir.is_absolute() else base / data_dir
    return f"sqlite:///{data_dir / 'newswatch.db'}"


def config_base(path: Path | None, bundled: bool) -> Path:
    """What a relative ``data_dir`` is relative to. The bundled example lives inside the
    package: its data goes to the working directory."""
    return path.parent if path and not bundled else Path.cwd()


def resolve_config_path(path: str | Path | None) -> tuple[Path | None, bool]:
    """Return (path, explicit): the file to read, and whether the user named it."""
    if path:
        return Path(path), True
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env), True
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    if local.exists():
        return local, False
    return None, False


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` for IPv6) as (host, port); ValueError says what is wrong."""
    host, sep, port_text = value.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"expected host:port with a port from 0 to 65535, got {value!r}")
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError(f"{host!r} is not an IPv6 address") from None
        return host[1:-1], int(port_text)
    if not host:
        raise ValueError(f"expected host:port, got {value!r} (no host)")
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        if ":" in host or not _HOST_NAME.match(host) or host.replace(".", "").isdigit():
            raise ValueError(f"{host!r} is not an IP address or host name") from None
    return host, int(port_text)


def watchlist_files(main_file: Path, include: Iterable[str]) -> list[Path]:
    """The files the ``include`` patterns name (relative to the config file), in order."""
    base = main_file.parent
    files: list[Path] = []
    for pattern in include:
        full = pattern if os.path.isabs(pattern) else str(base / pattern)
        matched = sorted(Path(p) for p in glob.glob(full))
        if not matched and not glob.has_magic(pattern):
            raise ConfigError(
                f"included watchlist file {pattern!r} does not exist",
                path=main_file,
                key="watchlists.include",
            )
        files.extend(matched)
    return files


def load_view(
    path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> ConfigView:
    """The view of the config ``load_config(path, secrets=False)`` would load, or its error."""
    env = os.environ if environ is None else environ
    file, _ = resolve_config_path(path)
    bundled = False
    if file is None:
        file, bundled = EXAMPLE_DIR / DEFAULT_CONFIG_NAME, True
    if file.is_file():
        try:
            return _read(file, bundled, env)
        except Exception:  # _NotPlain, or any error: the full reading names it, or finds none
            pass
    from scheduler.config import load_config

    return ConfigView.of(load_config(path, environ=env, secrets=False))


def _read(file: Path, bundled: bool, env: Mapping[str, str]) -> ConfigView:
    text, data = read_toml(file)
    channels_raw = _table_list(data.get("channel", []))
    data["channel"] = [without_unset_secrets(c, env) for c in channels_raw]
    data = resolve_env(data, file, text, env, ())
    _keys(data, TOP_KEYS)
    if not isinstance(data.get("crawl", {}), dict):
        raise _NotPlain

    service = data.get("service", {})
    _keys(service, SERVICE_KEYS)
    data_dir = Path(_str(service.get("data_dir", str(DEFAULT_DATA_DIR))))
    database_url = _optional_str(service.get("database_url"))
    ops = _optional_str(service.get("ops_channel"))
    listen = _optional_str(service.get("health_listen", DEFAULT_HEALTH_LISTEN))
    if listen:
        parse_listen(listen)
    cluster = service.get("cluster", False)
    if not isinstance(cluster, bool) or (cluster and not _is_postgresql(database_url)):
        raise _NotPlain  # the full reading says why

    channels = tuple(_channel(c) for c in data["channel"]) or (ChannelView("console", "console"),)
    names = [c.name for c in channels]
    if len(set(names)) != len(names) or (ops is not None and ops not in names):
        raise _NotPlain

    options = data.get("watchlists", {})
    _keys(options, WATCHLISTS_KEYS)
    include = options.get("include", [])
    use_default = options.get("use_default", True)
    if not isinstance(include, list) or not all(isinstance(p, str) for p in include):
        raise _NotPlain
    if not isinstance(use_default, bool):
        raise _NotPlain
    watchlists = [_watchlist(f, env) for f in watchlist_files(file, include)]
    if not watchlists and use_default:
        watchlists.append(_default_watchlist())
    wl_names = [w.name for w in watchlists]
    if len(set(wl_names)) != len(wl_names):
        raise _NotPlain
    if any(name not in names for w in watchlists for name in w.notify):
        raise _NotPlain

    sources = tuple(_source(s) for s in _table_list(data.get("source", [])))
    if len({s.name for s in sources}) != len(sources):
        raise _NotPlain
    path = file.resolve()
    return ConfigView(
        path=path,
        bundled=bundled,
        database_url=database_url_for(data_dir, database_url, config_base(path, bundled)),
        health_listen=listen,
        ops_channel=ops,
        cluster=cluster,
        sources=sources,
        watchlists=tuple(watchlists),
        channels=channels,
    )


def _source(table: dict[str, Any]) -> SourceView:
    _keys(table, SOURCE_KEYS)
    name = _name(table.get("name"), 10_000)
    given = [kind for kind in SOURCE_KINDS if table.get(kind) is not None]
    if len(given) != 1:
        raise _NotPlain
    kind = given[0]
    url = _plain_url(table[kind])
    links = table.get("links")
    if (kind == "listing") != (links is not None):
        raise _NotPlain
    if links is not None:
        _css(links)
    every = parse_duration(table.get("every", DEFAULT_EVERY))
    if every < timedelta(minutes=1):
        raise _NotPlain  # the floor depends on the host (loopback): the full reading knows
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _NotPlain
    return SourceView(name=name, kind=kind, url=url, every=every, enabled=enabled)


def _channel(table: dict[str, Any]) -> ChannelView:
    kind = table.get("kind")
    if kind not in CHANNEL_KINDS:
        raise _NotPlain
    return ChannelView(name=_name(table.get("name"), 64), kind=str(kind))


def _watchlist(file: Path, env: Mapping[str, str]) -> WatchlistView:
    text, data = read_toml(file)
    return _watchlist_view(resolve_env(data, file, text, env, ()))


def _watchlist_view(data: dict[str, Any]) -> WatchlistView:
    notify = data.get("notify", [])
    if not isinstance(notify, list) or not all(isinstance(n, str) for n in notify):
        raise _NotPlain
    return WatchlistView(name=_name(data.get("name"), 10_000), notify=tuple(notify))


def _default_watchlist() -> WatchlistView:
    """The shipped default watchlist as the view shows it: its name, and no ``notify`` (it
    cannot know a config's channel names, so it goes to every channel but ops).

    Its file is 20 kB of TOML whose root table is nearly all of it, and parsing it was a good
    part of this command's time; ``test_config_view`` compares this with the loaded watchlist.
    """
    from crawler.matching import DEFAULT_WATCHLIST_NAME

    return WatchlistView(name=DEFAULT_WATCHLIST_NAME, notify=())


def _is_postgresql(url: str | None) -> bool:
    return url is not None and url.startswith(("postgresql:", "postgresql+", "postgres:"))


def _plain_url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 2083 or "xn--" in value:
        raise _NotPlain
    m = _PLAIN_URL.match(value)
    if m is None or _DOT_SEGMENT.search(m.group("path") or ""):
        raise _NotPlain
    return value if m.group("path") else _with_root_path(value)


def _with_root_path(url: str) -> str:
    scheme, rest = url.split("://", 1)
    host, sep, query = rest.partition("?")
    return f"{scheme}://{host}/{sep}{query}"


def _css(selector: Any) -> None:
    if not isinstance(selector, str) or not selector:
        raise _NotPlain
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError:
        raise _NotPlain from None


def _name(value: Any, max_length: int) -> str:
    if not isinstance(value, str) or not _NAME.match(value) or len(value) > max_length:
        raise _NotPlain
    return value


def _keys(table: Any, known: frozenset[str]) -> None:
    if not isinstance(table, dict) or not set(table) <= known:
        raise _NotPlain


def _table_list(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _NotPlain
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _NotPlain
    return value


def _optional_str(value: Any) -> str | None:
    return None if value is None else _str(value)
