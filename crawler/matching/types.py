"""Plain data types of a watchlist match, shared by the matcher, the store and the alerts.

A :class:`Match` is what the relevance filter says about one article for one watchlist: the score,
the event kind, who is involved, the money, and the sentences that show it. It round-trips through
``to_dict`` / ``from_dict`` so the store can keep it as JSON and alerts can render it later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["hiring", "deal", "both"]


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity named in the article, with its role when a sentence shows it."""

    name: str
    role: str | None = None  # acquirer | target | investor | hirer | person | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityRef:
        return cls(name=str(data["name"]), role=data.get("role"))


@dataclass(frozen=True, slots=True)
class Amount:
    """A money amount found in the evidence: ``$14.3 billion`` -> value 14.3e9, currency USD."""

    value: float
    currency: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "currency": self.currency, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Amount:
        return cls(
            value=float(data["value"]), currency=str(data["currency"]), text=str(data["text"])
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """One sentence that shows the event; ``spans`` are (start, end) offsets of matched words."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()
    field: Literal["title", "body"] = "body"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": [list(s) for s in self.spans], "field": self.field}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        spans = tuple((int(a), int(b)) for a, b in data.get("spans", ()))
        return cls(text=str(data["text"]), spans=spans, field=data.get("field", "body"))


_STATUS_LABEL = {
    "rumoured": "rumoured",
    "talks": "in talks",
    "agreed": "agreed",
    "completed": "completed",
    "blocked": "blocked",
    "off": "called off",
}
_KIND_LABEL = {"deal": "Deal", "hiring": "Hiring", "both": "Deal + hiring"}


@dataclass(frozen=True, slots=True)
class Event:
    """The story's main event as the alert names it: who did what to whom, and how far it got."""

    kind: EventKind
    actor: str | None = None  # acquirer, investor or hirer
    target: str | None = None  # target company, investee or the person hired
    descriptor: str | None = None  # what the target is ("AI support automation")
    status: str | None = None  # rumoured | talks | agreed | completed | blocked | off
    origin: str | None = None  # where a hire comes from

    def headline(self) -> str:
        """``Deal · Zendesk → Cleverly.ai (AI support automation) · agreed`` (plain text)."""
        parts = [_KIND_LABEL.get(self.kind, self.kind.title())]
        target = self.target or ""
        if target and self.descriptor:
            target += f" ({self.descriptor})"
        if self.origin and self.kind != "deal":
            target += f" from {self.origin}" if target else f"from {self.origin}"
        if self.actor and target:
            parts.append(f"{self.actor} → {target}")
        elif self.actor or target:
            parts.append(self.actor or target)
        if self.status:
            parts.append(_STATUS_LABEL.get(self.status, self.status))
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "actor": self.actor,
            "target": self.target,
            "descriptor": self.descriptor,
            "status": self.status,
            "origin": self.origin,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(
            kind=data["kind"],
            actor=data.get("actor"),
            target=data.get("target"),
            descriptor=data.get("descriptor"),
            status=data.get("status"),
            origin=data.get("origin"),
        )


@dataclass(frozen=True, slots=True)
class Match:
    """The filter's verdict that one article matters to one watchlist."""

    watchlist: str
    score: float
    kind: EventKind
    entities: tuple[EntityRef, ...] = ()
    amounts: tuple[Amount, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    notify: tuple[str, ...] = ()  # channel names; empty means every channel
    event: Event | None = None  # the main frame, for the alert's headline line
    explain: tuple[str, ...] = field(default=(), compare=False)  # how the score was formed

    def to_dict(self) -> dict[str, Any]:
        return {
            "watchlist": self.watchlist,
            "score": self.score,
            "kind": self.kind,
            "entities": [e.to_dict() for e in self.entities],
            "amounts": [a.to_dict() for a in self.amounts],
            "evidence": [e.to_dict() for e in self.evidence],
            "notify": list(self.notify),
            "event": self.event.to_dict() if self.event else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Match:
        return cls(
            watchlist=str(data["watchlist"]),
            score=float(data["score"]),
            kind=data["kind"],
            entities=tuple(EntityRef.from_dict(e) for e in data.get("entities", ())),
            amounts=tuple(Amount.from_dict(a) for a in data.get("amounts", ())),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", ())),
            notify=tuple(data.get("notify", ())),
            event=Event.from_dict(data["event"]) if data.get("event") else None,
        )
