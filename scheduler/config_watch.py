"""Noticing config edits, and saying what an edit changes -- pure, so the service only wires it.

:func:`config_signature` stats the config file, the watchlist files and every ``*.toml`` next to
them (a new watchlist file counts as an edit); the service polls it. :func:`diff_configs` compares
the config in force with a newly validated one: sources removed, added or changed, and whether the
watchlists, the channels or the database URL changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scheduler.config import Config

Signature = tuple[tuple[str, int, int], ...]


def config_signature(config: Config) -> Signature:
    """(path, mtime, size) of the config files and of every file in the watchlist folders."""
    paths: set[Path] = set(config.files)
    for f in config.files[1:]:
        paths.update(f.parent.glob("*.toml"))
    signature = []
    for path in sorted(paths):
        try:
            st = path.stat()
            signature.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            signature.append((str(path), 0, -1))
    return tuple(signature)


@dataclass(frozen=True, slots=True)
class ConfigDiff:
    """What a reload changes (enabled sources only: a disabled source has no job)."""

    removed: tuple[str, ...]
    added: tuple[str, ...]
    changed: tuple[str, ...]
    watchlists: tuple[str, ...] | None  # the new watchlist names when they changed
    channels: tuple[str, ...] | None  # the new channel names when they changed
    database_changed: bool

    def describe(self) -> str:
        """One log line: ``watchlists: a, b; source x added`` or ``no effective change``."""
        parts: list[str] = []
        if self.watchlists is not None:
            parts.append("watchlists: " + ", ".join(self.watchlists))
        if self.channels is not None:
            parts.append("channels: " + ", ".join(self.channels))
        parts += [f"source {name} removed" for name in self.removed]
        parts += [f"source {name} added" for name in self.added]
        parts += [f"source {name} changed" for name in self.changed]
        return "; ".join(parts) or "no effective change"


def diff_configs(old: Config, new: Config) -> ConfigDiff:
    """What changes when ``new`` replaces ``old``."""
    old_sources = {s.name: s for s in old.sources if s.enabled}
    new_sources = {s.name: s for s in new.sources if s.enabled}
    return ConfigDiff(
        removed=tuple(name for name in old_sources if name not in new_sources),
        added=tuple(name for name in new_sources if name not in old_sources),
        changed=tuple(
            name
            for name, source in new_sources.items()
            if name in old_sources and source != old_sources[name]
        ),
        watchlists=(
            tuple(w.name for w in new.watchlists) if new.watchlists != old.watchlists else None
        ),
        channels=tuple(c.name for c in new.channels) if new.channels != old.channels else None,
        database_changed=new.database_url != old.database_url,
    )
