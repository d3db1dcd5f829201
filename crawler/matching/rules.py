"""Watchlist rules in Lucene query syntax, parsed with luqum and compiled into a small tree.

Supported: ``AND``, ``OR``, ``NOT`` (and ``+term`` / ``-term``), parentheses, ``"exact phrases"``,
proximity ``"openai researcher"~5`` (all words within 5 words of each other, any order), field
prefixes ``title:`` and ``body:``, trailing wildcards ``acqui*``, and references to the watchlist's
own groups: ``@entities`` (any watched entity), ``@core`` (any core entity), ``entity:"Scale AI"``
(one entity by canonical name) and ``#hiring`` / ``#deal`` (a cue of that topic). Two terms side by
side mean ``OR``, as in Lucene. Terms match case-insensitively on word boundaries, like every cue.

A rule that does not parse, or names an unknown group, raises :class:`RuleError` (a ``ValueError``)
whose message starts with the position in the rule, so a config error can point at it. Every literal
a rule uses is handed to the matcher's automaton (:attr:`Rule.patterns`): rules never rescan text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from crawler.matching.text import pattern_key

Field = Literal["any", "title", "body"]
_FIELDS: dict[str, Field] = {"title": "title", "body": "body"}


class RuleError(ValueError):
    """A rule that does not parse or refers to something the watchlist does not define."""

    def __init__(self, reason: str, position: int) -> None:
        self.reason = reason
        self.position = position
        super().__init__(f"position {position}: {reason}")


class RuleContext(Protocol):
    """What a rule asks of the article being matched (the matcher implements it)."""

    def has_key(self, key: str, field: Field) -> bool: ...

    def positions(self, key: str, field: Literal["title", "body"]) -> Sequence[int]: ...

    def has_entity(self, name: str | None, field: Field, *, core_only: bool = False) -> bool: ...

    def has_topic(self, topic: str, field: Field) -> bool: ...


class Node:
    """A compiled rule node."""

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class Term(Node):
    key: str  # automaton key; a prefix key (trailing wildcard) has no trailing space

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        return ctx.has_key(self.key, field)


@dataclass(frozen=True)
class Near(Node):
    keys: tuple[str, ...]
    slop: int

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        fields: tuple[Literal["title", "body"], ...] = (
            ("title", "body") if field == "any" else (field,)
        )
        return any(self._near(ctx, f) for f in fields)

    def _near(self, ctx: RuleContext, field: Literal["title", "body"]) -> bool:
        lists = [ctx.positions(k, field) for k in self.keys]
        if any(not positions for positions in lists):
            return False
        # Sliding window over the merged positions: some window of width slop + words - 1 must hold
        # one occurrence of every word.
        width = self.slop + len(self.keys) - 1
        merged = sorted((p, i) for i, positions in enumerate(lists) for p in positions)
        counts = [0] * len(self.keys)
        missing = len(self.keys)
        lo = 0
        for pos, i in merged:
            if counts[i] == 0:
                missing -= 1
            counts[i] += 1
            while merged[lo][0] < pos - width:
                j = merged[lo][1]
                counts[j] -= 1
                if counts[j] == 0:
                    missing += 1
                lo += 1
            if missing == 0:
                return True
        return False


@dataclass(frozen=True)
class EntityGroup(Node):
    name: str | None  # None: any entity
    core_only: bool = False

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        return ctx.has_entity(self.name, field, core_only=self.core_only)


@dataclass(frozen=True)
class TopicGroup(Node):
    topic: str

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        return ctx.has_topic(self.topic, field)


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        return all(c.evaluate(ctx, field) for c in self.children)


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        return any(c.evaluate(ctx, field) for c in self.children)


@dataclass(frozen=True)
class Not(Node):
    child: Node

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        return not self.child.evaluate(ctx, field)


@dataclass(frozen=True)
class InField(Node):
    field: Field
    child: Node

    def evaluate(self, ctx: RuleContext, field: Field) -> bool:
        return self.child.evaluate(ctx, self.field)


@dataclass(frozen=True)
class Rule:
    """A compiled rule: ``evaluate(ctx)`` and the automaton keys it needs."""

    text: str
    root: Node
    patterns: frozenset[str] = field(default_factory=frozenset)

    def evaluate(self, ctx: RuleContext) -> bool:
        return self.root.evaluate(ctx, "any")


_POSITION = re.compile(r"position (\d+)")


def _parse_error_position(exc: Exception, text: str) -> int:
    m = _POSITION.search(str(exc))
    return int(m.group(1)) if m else len(text)


def compile_rule(text: str, *, topics: Iterable[str], entities: Iterable[str]) -> Rule:
    """Parse ``text`` and check its group references against the watchlist's topics and entities."""
    if not text.strip():
        raise RuleError("the rule is empty", 0)
    try:
        parsed = parser.parse(text)
    except (ParseError, ValueError, TypeError) as exc:
        reason = str(exc).replace("Syntax error in input : ", "").rstrip("!")
        raise RuleError(f"syntax error: {reason}", _parse_error_position(exc, text)) from None
    topic_names = frozenset(topics)
    entity_names = {e.casefold(): e for e in entities}
    patterns: set[str] = set()

    def pos(node: tree.Item) -> int:
        return int(getattr(node, "pos", 0) or 0)

    def word_key(value: str, node: tree.Item) -> str:
        if "?" in value or "*" in value[:-1]:
            raise RuleError(f"only a trailing * wildcard is supported: {value!r}", pos(node))
        if value.endswith("*"):
            stem = pattern_key(value[:-1])
            if not stem.strip():
                raise RuleError("a wildcard needs at least one letter before *", pos(node))
            key = stem.rstrip(" ")
        else:
            key = pattern_key(value)
            if not key:
                raise RuleError(f"{value!r} has no letters or digits", pos(node))
        patterns.add(key)
        return key

    def group(value: str, node: tree.Item) -> Node:
        name = value[1:]
        if value.startswith("@"):
            if name == "entities":
                return EntityGroup(None)
            if name == "core":
                return EntityGroup(None, core_only=True)
            raise RuleError(
                f'unknown group {value!r} (use @entities, @core or entity:"Name")', pos(node)
            )
        if name not in topic_names:
            known = ", ".join("#" + t for t in sorted(topic_names)) or "none"
            raise RuleError(f"unknown topic {value!r} (this watchlist has: {known})", pos(node))
        return TopicGroup(name)

    def build(node: tree.Item, field: Field) -> Node:
        if isinstance(node, tree.SearchField):
            name = node.name.lower()
            if name == "entity":
                expr = node.expr
                if isinstance(expr, tree.Phrase | tree.Word):
                    value = expr.value.strip('"')
                    canonical = entity_names.get(value.casefold())
                    if canonical is None:
                        raise RuleError(f"unknown entity {value!r}", pos(node))
                    return EntityGroup(canonical)
                raise RuleError('entity: takes one name, e.g. entity:"Scale AI"', pos(node))
            if name not in _FIELDS:
                raise RuleError(
                    f"unknown field {node.name!r}: (use title:, body: or entity:)", pos(node)
                )
            return InField(_FIELDS[name], build(node.expr, _FIELDS[name]))
        if isinstance(node, tree.Group | tree.FieldGroup):
            return build(node.expr, field)
        if isinstance(node, tree.AndOperation):
            return And(tuple(build(c, field) for c in node.children))
        if isinstance(node, tree.OrOperation | tree.UnknownOperation):
            return Or(tuple(build(c, field) for c in node.children))
        if isinstance(node, tree.Not | tree.Prohibit):
            return Not(build(node.children[0], field))
        if isinstance(node, tree.Plus):
            return build(node.children[0], field)
        if isinstance(node, tree.Proximity):
            words = node.term.value.strip('"').split()
            keys = tuple(word_key(w, node) for w in words)
            if len(keys) < 2:
                return Term(keys[0]) if keys else Or(())
            try:
                slop = int(node.degree) if node.degree is not None else 1
            except (TypeError, ValueError):
                raise RuleError('proximity needs a whole number: "a b"~5', pos(node)) from None
            return Near(keys, slop)
        if isinstance(node, tree.Phrase):
            inner = node.value.strip('"')
            if "*" in inner:
                raise RuleError("wildcards are not supported inside phrases", pos(node))
            return Term(word_key(inner, node))
        if isinstance(node, tree.Word):
            value = node.value
            if value.startswith(("@", "#")):
                return group(value, node)
            return Term(word_key(value, node))
        unsupported: dict[type, str] = {
            tree.Fuzzy: "fuzzy terms (word~2)",
            tree.Range: "ranges",
            tree.Regex: "regular expressions",
            tree.Boost: "boosts (^)",
        }
        for cls, what in unsupported.items():
            if isinstance(node, cls):
                raise RuleError(f"{what} are not supported in watchlist rules", pos(node))
        raise RuleError(f"unsupported expression {str(node).strip()!r}", pos(node))

    root = build(parsed, "any")
    return Rule(text=text, root=root, patterns=frozenset(patterns))


def walk(node: Node, visit: Callable[[Node], None]) -> None:
    """Call ``visit`` on ``node`` and every node below it."""
    visit(node)
    if isinstance(node, And | Or):
        for child in node.children:
            walk(child, visit)
    elif isinstance(node, Not | InField):
        walk(node.child, visit)
