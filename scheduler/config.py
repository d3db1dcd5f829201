"""The one validated config object, read from a TOML file (and the watchlist files it includes).

``load_config`` reads ``newswatch.toml`` (``--config``, ``$NEWSWATCH_CONFIG`` or
``./newswatch.toml``; with none of them, the bundled example), resolves ``"env:NAME"`` secret
references, validates everything with pydantic into one frozen :class:`Config`, and turns every
problem into a
:class:`~scheduler.errors.ConfigError` naming the file, the line and the reason -- whatever fails:
a value that overflows, nesting deeper than the parser's recursion, a rule too deep to compile.
Only this module (and :mod:`scheduler.config_view`, the read-only commands' light reading of the
same files) reads ``os.environ`` for config; everything below gets the objects it needs handed down.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from alerts.channels import ChannelConfig, default_channels
from crawler.matching import Watchlist, load_default_watchlist
from crawler.sources import CrawlOptions, Duration, Source
from scheduler.config_errors import config_error
from scheduler.config_toml import read_toml, resolve_env, without_unset_secrets
from scheduler.config_view import CONFIG_ENV as CONFIG_ENV
from scheduler.config_view import DEFAULT_CONFIG_NAME as DEFAULT_CONFIG_NAME
from scheduler.config_view import (
    DEFAULT_DATA_DIR,
    DEFAULT_HEALTH_LISTEN,
    config_base,
    database_url_for,
    routes_for,
    watchlist_files,
)
from scheduler.config_view import EXAMPLE_DIR as EXAMPLE_DIR
from scheduler.config_view import parse_listen as parse_listen
from scheduler.config_view import resolve_config_path as resolve_config_path
from scheduler.errors import ConfigError
from scheduler.tomllines import find_line

if TYPE_CHECKING:
    from scheduler.store import Store

MIN_DISPATCH_EVERY = timedelta(seconds=1)


class ServiceOptions(BaseModel):
    """The ``[service]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None  # default: SQLite file under data_dir
    ops_channel: str | None = None  # channel for source-health and bad-config notices
    # host:port of /healthz and /metrics; "" = off
    health_listen: str | None = DEFAULT_HEALTH_LISTEN
    retention: Duration = timedelta(days=30)
    max_concurrent_crawls: int = Field(default=4, ge=1, le=64)
    shutdown_grace: Duration = timedelta(seconds=30)
    dispatch_every: Duration = timedelta(seconds=15)
    jitter: float = Field(default=0.1, ge=0, le=0.5)  # fraction of a source's cadence
    failing_after: int = Field(default=3, ge=1)  # consecutive errors that make a source failing
    stale_factor: float = Field(default=8.0, ge=1)  # zero items for this many usual gaps = failing
    max_backoff: Duration = timedelta(hours=6)  # longest poll interval of a failing source
    # Reports of one event within this long of the story's last report join that story.
    story_window: Duration = timedelta(hours=72)
    log_json: bool = False
    # Several nodes share the work through PostgreSQL (see scheduler.cluster); after database_url,
    # whose value the validator below reads.
    cluster: bool = False

    @field_validator("cluster")
    @classmethod
    def _cluster_needs_postgresql(cls, value: bool, info: ValidationInfo) -> bool:
        url = info.data.get("database_url") or ""
        if value and not url.startswith(("postgresql:", "postgresql+", "postgres:")):
            raise ValueError(
                "cluster mode needs a PostgreSQL database_url (postgresql://...) shared by every "
                "node; "
                + (f"got {url.split(':', 1)[0]}:" if url else "none is set (the default is SQLite)")
            )
        return value

    @field_validator("health_listen")
    @classmethod
    def _listen_address(cls, value: str | None) -> str | None:
        if value:
            parse_listen(value)
        return value

    @field_validator("dispatch_every")
    @classmethod
    def _dispatch_floor(cls, value: timedelta) -> timedelta:
        if value < MIN_DISPATCH_EVERY:
            raise ValueError("must be at least 1s")
        return value

    def resolved_database_url(self, base: Path) -> str:
        return database_url_for(self.data_dir, self.database_url, base)


class WatchlistsOptions(BaseModel):
    """The ``[watchlists]`` table: which watchlist files to load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    include: tuple[str, ...] = ()  # glob patterns, relative to the config file
    use_default: bool = True  # use the bundled default watchlist when no file is included


class Config(BaseModel):
    """Everything the service needs, validated and frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    path: Path | None = None  # the main file (None: built in code)
    bundled: bool = False  # True when no config file existed and the bundled example is in use
    files: tuple[Path, ...] = ()  # the main file and every included watchlist file
    service: ServiceOptions = ServiceOptions()
    crawl: CrawlOptions = CrawlOptions()
    sources: tuple[Source, ...] = ()
    watchlists: tuple[Watchlist, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()

    @property
    def database_url(self) -> str:
        return self.service.resolved_database_url(config_base(self.path, self.bundled))

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def routes(self) -> dict[str, list[str]]:
        """Map each watchlist to the channel names its matches go to.

        No ``notify`` means every channel but the ops channel: ops hears about failing sources
        and rejected edits, and stories there would drown those out. A watchlist that names the
        ops channel in ``notify`` still reaches it (``check-config`` warns).
        """
        return routes_for(
            ((w.name, w.notify) for w in self.watchlists),
            [c.name for c in self.channels],
            self.service.ops_channel,
        )

    def open_store(self) -> Store:
        """The store of ``database_url``, configured for this config's stories: every caller
        that opens a store for a config goes through here, so none keeps the store's defaults."""
        from scheduler.store import open_store

        store = open_store(self.database_url)
        store.configure_stories(**self.story_options())
        return store

    def story_options(self) -> dict[str, Any]:
        """``Store.configure_stories`` arguments: the story window, each channel's updates mode."""
        return {
            "window": self.service.story_window,
            "updates": {c.name: c.update_mode for c in self.channels},
        }

    def warnings(self) -> list[str]:
        """Valid but probably unintended routing, for ``check-config`` to point out."""
        ops = self.service.ops_channel
        routes = self.routes()
        out = []
        for w in self.watchlists:
            if ops and ops in w.notify:
                out.append(
                    f"watchlist {w.name!r} sends its matches to the ops channel {ops!r}, where "
                    "they mix with source-failure notices"
                )
            if not routes.get(w.name):
                out.append(f"watchlist {w.name!r} reaches no channel: its matches are not alerted")
        return out

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        seen: set[str] = set()
        for w in self.watchlists:
            if w.name in seen:
                raise ValueError(f"two watchlists are named {w.name!r}")
            seen.add(w.name)
        return self


def load_config(
    path: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    secrets: bool = True,
) -> Config:
    """Read, resolve and validate the config; raise :class:`ConfigError` on any problem.

    With no path, ``$NEWSWATCH_CONFIG`` and no ``./newswatch.toml``, the bundled example is used
    (``Config.bundled`` is then True) so that ``newswatch run`` works on a fresh machine.

    ``secrets=False`` is for commands that deliver nothing (``status``, ``matches``, the outbox
    listings): an operator's shell rarely has the service's environment file loaded, so a channel
    whose ``env:`` secret is unset is read as a console channel of the same name instead of
    failing. Every other unset variable (``database_url``) is still an error.
    """
    env = os.environ if environ is None else environ
    file, explicit = resolve_config_path(path)
    bundled = False
    if file is None:
        file, bundled = EXAMPLE_DIR / DEFAULT_CONFIG_NAME, True
    if not file.is_file():
        raise ConfigError("config file not found" if explicit else "no config file", path=file)
    try:
        return _load(file, bundled, env, secrets)
    except ConfigError:
        raise
    except RecursionError:
        raise ConfigError("nested too deeply to read", path=file) from None
    except Exception as exc:
        # Whatever a validator or parser below raises, an edit is rejected with a clear line
        # (the live reload depends on it), never a traceback.
        raise ConfigError(f"cannot load: {type(exc).__name__}: {exc}", path=file) from None


def _load(file: Path, bundled: bool, env: Mapping[str, str], secrets: bool = True) -> Config:
    text, data = read_toml(file)
    if not secrets and isinstance(data.get("channel"), list):
        data["channel"] = [without_unset_secrets(c, env) for c in data["channel"]]
    data = resolve_env(data, file, text, env, ())

    main = dict(data)
    wl_table = main.pop("watchlists", {})
    sources = main.pop("source", [])
    channels = main.pop("channel", [])
    try:
        wl_options = WatchlistsOptions.model_validate(wl_table)
    except ValidationError as exc:
        raise config_error(exc, file, text, prefix=("watchlists",)) from None
    watchlists, wl_files = _load_watchlists(file, wl_options, env)

    if not isinstance(channels, list) or not isinstance(sources, list):
        raise ConfigError(
            "'source' and 'channel' must be arrays of tables ([[source]], [[channel]])", path=file
        )
    for table, items in (("source", sources), ("channel", channels)):
        names = [item.get("name") for item in items if isinstance(item, dict)]
        for i, name in enumerate(names):
            if name is not None and name in names[:i]:
                raise ConfigError(
                    f"another {table} is already named {name!r}",
                    path=file,
                    line=find_line(text, (table, i, "name")),
                    key=f"{table}[{i}].name",
                )
    if not channels:
        channels_value: Any = default_channels()
    else:
        channels_value = channels
    try:
        config = Config.model_validate(
            {
                **main,
                "path": file.resolve(),
                "bundled": bundled,
                "files": (file.resolve(), *wl_files),
                "sources": sources,
                "channels": channels_value,
                "watchlists": watchlists,
            }
        )
    except ValidationError as exc:
        raise config_error(exc, file, text) from None
    _check_routes(config, file, text, wl_files)
    return config


def _load_watchlists(
    main_file: Path, options: WatchlistsOptions, env: Mapping[str, str]
) -> tuple[list[Watchlist], list[Path]]:
    files = watchlist_files(main_file, options.include)
    watchlists: list[Watchlist] = []
    for wl_file in files:
        text, data = read_toml(wl_file)
        data = resolve_env(data, wl_file, text, env, ())
        try:
            watchlists.append(Watchlist.model_validate(data))
        except ValidationError as exc:
            raise config_error(exc, wl_file, text) from None
        except RecursionError:
            # The rule parser recurses per nesting level and per NOT.
            key = "rule" if "rule" in data else None
            raise ConfigError(
                "nested too deeply to compile",
                path=wl_file,
                line=find_line(text, ("rule",)) if key else None,
                key=key,
            ) from None
    if not watchlists and options.use_default:
        watchlists.append(load_default_watchlist())
    return watchlists, [f.resolve() for f in files]


def _check_routes(config: Config, file: Path, text: str, wl_files: list[Path]) -> None:
    known = {c.name for c in config.channels}
    if config.service.ops_channel and config.service.ops_channel not in known:
        raise ConfigError(
            f"unknown channel {config.service.ops_channel!r} (known: {', '.join(sorted(known))})",
            path=file,
            line=find_line(text, ("service", "ops_channel")),
            key="service.ops_channel",
        )
    for wl in config.watchlists:
        for name in wl.notify:
            if name not in known:
                wl_file = _file_of_watchlist(wl.name, wl_files)
                wl_text = wl_file.read_text(encoding="utf-8") if wl_file else ""
                raise ConfigError(
                    f"watchlist {wl.name!r} notifies unknown channel {name!r} "
                    f"(known: {', '.join(sorted(known))})",
                    path=wl_file or file,
                    line=find_line(wl_text, ("notify",)) if wl_file else None,
                    key="notify",
                )


def _file_of_watchlist(name: str, files: list[Path]) -> Path | None:
    for f in files:
        try:
            if tomllib.loads(f.read_text(encoding="utf-8")).get("name") == name:
                return f
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return None
