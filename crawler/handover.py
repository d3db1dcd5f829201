"""Hand live objects (the store, the matcher, the extraction pool) to Scrapy components.

Scrapy deep-copies settings for every crawler, and a live object — a connection pool, a process
pool — must be shared, not copied (most cannot even be pickled). :class:`Shared` wraps one so that
a deep copy returns the wrapper itself; components read it back with :func:`unwrap`.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Shared(Generic[T]):
    """A settings value that every copy of the settings shares."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared[T]:
        return self

    def __copy__(self) -> Shared[T]:
        return self

    def __repr__(self) -> str:
        return f"Shared({type(self.value).__name__})"


def unwrap(value: Any) -> Any:
    """The object inside a :class:`Shared`, or ``value`` itself."""
    return value.value if isinstance(value, Shared) else value
