"""Names of a package loaded on first use (PEP 562), for packages whose light parts must stay light.

``crawler.matching`` and ``scheduler.store`` export names whose modules are costly to import (the
matcher, SQLAlchemy), while the read-only commands need only their plain types. Such a package
keeps a map of each public name to the submodule that defines it and takes its module-level
``__getattr__`` and ``__dir__`` from :func:`lazy_names`: a name's submodule is imported the first
time the name is asked for, and the value is then kept in the package so later lookups are plain.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_names(
    package: str, homes: Mapping[str, str], public: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose names live in the submodules that
    ``homes`` gives (relative to it); ``public`` is its ``__all__``."""
    namespace = sys.modules[package].__dict__
    names = frozenset(public)

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | names)

    return __getattr__, __dir__
