"""Watchlist matching: which articles matter, to which watchlist, and why.

A pure core with no Scrapy in it. :class:`Watchlist` is the validated model of one watchlist file;
:class:`Matcher` compiles any number of them into one Aho-Corasick automaton and turns a title and a
body into :class:`Match` es (``match``) or full :class:`Explanation` s (``explain``). The names
below are loaded on first use (PEP 562): the plain types (``crawler.matching.types``) are read by
the store and the read-only commands, which must not pay for importing the matcher.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.lazy_names import lazy_names

if TYPE_CHECKING:
    from crawler.matching.matcher import ExplainHit, Explanation, Matcher
    from crawler.matching.rules import RuleError, compile_rule
    from crawler.matching.types import Amount, EntityRef, EventKind, Evidence, Match
    from crawler.matching.watchlist import (
        Entity,
        Focus,
        SourceFilter,
        TopicSpec,
        Watchlist,
        default_watchlist_path,
        load_default_watchlist,
        load_watchlist,
        watchlist_from_toml,
    )

# The name inside ``default_watchlist.toml``, for readers that only need to name it (the
# read-only commands' config view); ``tests/scheduler/test_config_view.py`` holds them equal.
DEFAULT_WATCHLIST_NAME = "ai-talent-and-deals"

# Where each public name lives; ``__getattr__`` imports that module the first time it is asked for.
_HOMES = {
    "ExplainHit": "matcher",
    "Explanation": "matcher",
    "Matcher": "matcher",
    "RuleError": "rules",
    "compile_rule": "rules",
    "Amount": "types",
    "EntityRef": "types",
    "EventKind": "types",
    "Evidence": "types",
    "Match": "types",
    "Entity": "watchlist",
    "Focus": "watchlist",
    "SourceFilter": "watchlist",
    "TopicSpec": "watchlist",
    "Watchlist": "watchlist",
    "default_watchlist_path": "watchlist",
    "load_default_watchlist": "watchlist",
    "load_watchlist": "watchlist",
    "watchlist_from_toml": "watchlist",
}

__all__ = [
    "DEFAULT_WATCHLIST_NAME",
    "Amount",
    "Entity",
    "EntityRef",
    "EventKind",
    "Evidence",
    "ExplainHit",
    "Explanation",
    "Focus",
    "Match",
    "Matcher",
    "RuleError",
    "SourceFilter",
    "TopicSpec",
    "Watchlist",
    "compile_rule",
    "default_watchlist_path",
    "load_default_watchlist",
    "load_watchlist",
    "watchlist_from_toml",
]


__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
