"""What the matcher decided and why: :class:`Explanation`, and the view rules evaluate against.

``newswatch match --explain`` prints an :class:`Explanation` per watchlist: every hit, every frame
(who did what to whom, where in the story, and with what), the main frame and why it won, each
feature's share of the score, and the rule's verdict. :class:`RuleView` adapts one article's hits
and frames to :class:`crawler.matching.rules.RuleContext`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from crawler.matching.compiler import ENTITY, RULE, CompiledWatchlist
from crawler.matching.event_frame import Frame
from crawler.matching.rules import Field as RuleField
from crawler.matching.scan import Field
from crawler.matching.types import EventKind, Match


@dataclass(frozen=True, slots=True)
class ExplainHit:
    """A hit as ``--explain`` shows it."""

    field: str
    sentence: int
    category: str
    text: str
    detail: str


@dataclass(frozen=True)
class Explanation:
    """Everything the matcher decided about one article for one watchlist."""

    watchlist: str
    matched: bool
    score: float
    kind: EventKind | None
    reason: str
    rule_ok: bool | None
    hits: tuple[ExplainHit, ...] = ()
    components: tuple[str, ...] = ()
    match: Match | None = None
    frames: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "watchlist": self.watchlist,
            "matched": self.matched,
            "score": self.score,
            "kind": self.kind,
            "reason": self.reason,
            "rule_ok": self.rule_ok,
            "hits": [
                {
                    "field": h.field,
                    "sentence": h.sentence,
                    "category": h.category,
                    "text": h.text,
                    "detail": h.detail,
                }
                for h in self.hits
            ],
            "frames": list(self.frames),
            "components": list(self.components),
            "match": self.match.to_dict() if self.match else None,
        }


def describe_frame(fr: Frame) -> str:
    """One line per frame: ``deal 'acquires' in title: Zendesk -> Cleverly.ai [ai, agreed]``."""
    where = "title" if fr.field == "title" else f"body sentence {fr.sentence + 1} ({fr.position})"
    actor = fr.actor.name if fr.actor else "?"
    target = fr.target.name if fr.target else "?"
    flags = [fr.form]
    for name in ("ai", "watched", "negative", "background", "both", "strategic", "role"):
        if getattr(fr, name):
            flags.append(name)
    if fr.status:
        flags.append(fr.status)
    origin = f" (from {fr.origin.name})" if fr.origin else ""
    return f"{fr.kind} {fr.verb!r} in {where}: {actor} -> {target}{origin} [{', '.join(flags)}]"


def explain_hits(fields: dict[str, Field], cw: CompiledWatchlist) -> tuple[ExplainHit, ...]:
    out: list[ExplainHit] = []
    for f in fields.values():
        for h in sorted((*f.of(cw.index), *f.shared), key=lambda h: h.start):
            if h.category == ENTITY:
                detail = cw.watchlist.entities[h.payload].name
            elif h.category == RULE:
                detail = f"rule term {h.payload.strip()!r}"
            else:
                detail = str(h.payload or "")
            out.append(
                ExplainHit(
                    field=f.name,
                    sentence=f.sentences.index_of(h.start),
                    category=h.category_name,
                    text=f.text[h.start : h.end],
                    detail=detail,
                )
            )
    return tuple(out)


class RuleView:
    """Adapts one article's hits and frames to :class:`crawler.matching.rules.RuleContext`."""

    def __init__(
        self, fields: dict[str, Field], cw: CompiledWatchlist, frames: list[Frame]
    ) -> None:
        self.fields = fields
        self.cw = cw
        self.topic_fields: dict[str, set[str]] = {}
        for fr in frames:
            self.topic_fields.setdefault(fr.topic, set()).add(fr.field)

    def _fields(self, field_name: RuleField) -> list[Field]:
        if field_name == "any":
            return list(self.fields.values())
        return [self.fields[field_name]]

    def has_key(self, key: str, field: RuleField) -> bool:
        return any(
            h.category == RULE and h.payload == key
            for f in self._fields(field)
            for h in f.of(self.cw.index)
        )

    def positions(self, key: str, field: Literal["title", "body"]) -> list[int]:
        f = self.fields[field]
        return [
            f.token_of(h.start)
            for h in f.of(self.cw.index)
            if h.category == RULE and h.payload == key
        ]

    def has_entity(self, name: str | None, field: RuleField, *, core_only: bool = False) -> bool:
        entities = self.cw.watchlist.entities
        for f in self._fields(field):
            for h in f.of(self.cw.index):
                if h.category != ENTITY:
                    continue
                if core_only and h.payload not in self.cw.core:
                    continue
                if name is None or entities[h.payload].name == name:
                    return True
        return False

    def has_topic(self, topic: str, field: RuleField) -> bool:
        present = self.topic_fields.get(topic, set())
        return bool(present) if field == "any" else field in present
