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
        # Further problems found in the same pass, each one line of its own in str().
        self.more: tuple[ConfigError, ...] = ()
        super().__init__(self._line())

    def _line(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path) + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.reason}"

    def __str__(self) -> str:
        return "\n".join([self._line(), *(m._line() for m in self.more)])


class StoreError(NewswatchError):
    """Storage failed in a way the caller cannot retry past."""
