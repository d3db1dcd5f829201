"""Watchlist matching: which articles matter, to which watchlist, and why.

A pure core with no Scrapy in it. :class:`Watchlist` is the validated model of one watchlist file;
:class:`Matcher` compiles any number of them into one Aho-Corasick automaton and turns a title and a
body into :class:`Match` es (``match``) or full :class:`Explanation` s (``explain``).
"""

from __future__ import annotations

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

__all__ = [
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
