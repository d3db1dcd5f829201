"""The service's exception tree.

    NewswatchError
     +-- ConfigError        invalid config: carries the file, the line (when known) and the reason
     +-- StoreError         storage unreachable or inconsistent

The CLI turns any of them into one clear line and exit code 1.
"""

from __future__ import annotations

from pathlib import Path


class NewswatchError(Exception):
    """Root of the service's errors."""


class ConfigError(NewswatchError):
    """An invalid config file: ``path:line: key: reason``."""

    def __init__(
        self,
        reason: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.reason = reason
        self.path = Path(path) if path is not None else None
        self.line = line
        self.key = key
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path) + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.reason}"


class StoreError(NewswatchError):
    """Storage failed in a way the caller cannot retry past."""
