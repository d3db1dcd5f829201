"""Watchlist models: what a user edits in ``watchlists/<name>.toml``, validated by pydantic.

One TOML file holds one watchlist::

    name = "ai-talent-and-deals"
    notify = ["slack-deals"]          # channel names; empty = every channel
    min_score = 0.5
    parties = "any"                   # "listed": only events with a listed entity count
    topics = ["hiring", "deal"]       # built-in lexicons, by name
    rule = '@entities AND (#hiring OR #deal) AND NOT title:podcast'   # optional, Lucene syntax

    [topic.hiring]                    # optional: extend (or, with replace = true, replace) a topic
    negative = ["internship"]

    [focus]                           # optional: events count only with an AI angle
    builtin = "ai"

    [[entity]]
    name = "Meta"
    aliases = ["Meta Platforms", "Facebook", "Mark Zuckerberg"]
    case_sensitive = ["Meta"]          # short or ambiguous names match only with this exact case

Validation errors are pydantic ``ValidationError`` s whose ``loc`` is the key path
(``("entity", 3, "case_sensitive")``, ``("rule",)``), so the config loader can find the line; a rule
error's message starts with the position in the rule.
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from crawler.matching.lexicons import AI_FOCUS, BACKGROUND, BUILTIN_TOPICS, Lexicon
from crawler.matching.rules import Rule, compile_rule
from crawler.matching.text import pattern_key
from crawler.sources import parse_duration

DEFAULT_WATCHLIST_FILE = "default_watchlist.toml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

Phrases = tuple[str, ...]


def _check_phrases(values: Phrases) -> Phrases:
    for value in values:
        if not pattern_key(value):
            raise ValueError(f"{value!r} has no letters or digits")
    return values


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entity(_Frozen):
    """A company, lab or person, with the aliases that name it."""

    name: str = Field(min_length=1)
    aliases: Phrases = ()
    # Aliases (or the name) that match only with exactly this case: "Meta", "Scale", "Apple".
    case_sensitive: Phrases = ()
    type: Literal["company", "person"] = "company"
    # A core entity is AI-native (an AI lab, AI startup, AI chip maker): a deal or hire that
    # involves it has an AI angle by itself.
    core: bool = False
    # For a person: the canonical name of the organisation they lead (informational).
    org: str | None = None

    @field_validator("name", "aliases")
    @classmethod
    def _words(cls, value: Any) -> Any:
        _check_phrases((value,) if isinstance(value, str) else value)
        return value

    @field_validator("case_sensitive")
    @classmethod
    def _known_alias(cls, value: Phrases, info: ValidationInfo) -> Phrases:
        known = {info.data.get("name", "")} | set(info.data.get("aliases", ()))
        for alias in value:
            if alias not in known:
                raise ValueError(f"{alias!r} is not the name or one of the aliases of this entity")
        return value

    def all_aliases(self) -> tuple[str, ...]:
        """The name and every alias, without duplicates."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


class TopicSpec(_Frozen):
    """Changes to a built-in topic, or a new topic (which then needs ``kind`` and ``cues``)."""

    replace: bool = False  # true: these lists replace the built-in ones instead of extending them
    kind: Literal["hiring", "deal"] | None = None
    cues: Phrases = ()
    weak: Phrases = ()
    context: Phrases = ()
    negative: Phrases = ()
    both: Phrases = ()
    moves: Phrases = ()
    roles: Phrases = ()
    entity_context: bool | None = None

    _check = field_validator("cues", "weak", "context", "negative", "both", "moves", "roles")(
        _check_phrases
    )


class Focus(_Frozen):
    """The angle an event must have: a focus term nearby, or a core entity in the sentence."""

    builtin: Literal["ai"] | None = "ai"
    terms: Phrases = ()

    _check = field_validator("terms")(_check_phrases)

    def all_terms(self) -> tuple[str, ...]:
        base = AI_FOCUS if self.builtin == "ai" else ()
        return tuple(dict.fromkeys((*base, *self.terms)))


class SourceFilter(_Frozen):
    """Which sources a watchlist looks at (source names; shell wildcards allowed)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def allows(self, source: str | None) -> bool:
        if source is None:
            return True
        if self.include and not any(fnmatchcase(source, p) for p in self.include):
            return False
        return not any(fnmatchcase(source, p) for p in self.exclude)


def _duration(value: Any) -> Any:
    return None if value is None else parse_duration(value)


class Watchlist(_Frozen):
    """One watchlist: entities, topics, an optional rule and the score an article needs."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str
    notify: tuple[str, ...] = ()
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    # Whether events between parties the watchlist does not list count ("any"), or only those
    # with a listed entity as a party ("listed"). Entities still route, boost and feed rules.
    parties: Literal["listed", "any"] = "listed"
    topic: dict[str, TopicSpec] = Field(default_factory=dict)
    # Validated even when left out: it checks the [topic.*] tables against it.
    topics: tuple[str, ...] = Field(default=("hiring", "deal"), validate_default=True)
    focus: Focus | None = None
    entities: tuple[Entity, ...] = Field(default=(), alias="entity")
    background: Phrases = ()
    sources: SourceFilter = SourceFilter()
    max_age: Annotated[timedelta | None, BeforeValidator(_duration)] = None
    description: str = ""
    # Validated last: it may refer to the topics and entities above.
    rule: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r} is not a valid watchlist name (letters, digits, '-', '_', '.')"
            )
        return value

    @field_validator("topic")
    @classmethod
    def _topic_specs(cls, value: dict[str, TopicSpec]) -> dict[str, TopicSpec]:
        for name, spec in value.items():
            if name not in BUILTIN_TOPICS:
                if spec.kind is None:
                    raise ValueError(
                        f"topic {name!r} is not built in ({', '.join(BUILTIN_TOPICS)}): "
                        "give it a kind (hiring or deal) and cues"
                    )
                if not spec.cues and not spec.weak:
                    raise ValueError(f"topic {name!r} needs cues")
        return value

    @field_validator("topics")
    @classmethod
    def _topics(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        defined = set(BUILTIN_TOPICS) | set(info.data.get("topic", {}))
        if not value:
            raise ValueError("a watchlist needs at least one topic (hiring, deal)")
        for name in value:
            if name not in defined:
                raise ValueError(
                    f"unknown topic {name!r}: built in are {', '.join(BUILTIN_TOPICS)}; "
                    f"define others under [topic.{name}]"
                )
        for name in info.data.get("topic", {}):
            if name not in value and name not in BUILTIN_TOPICS:
                raise ValueError(f"[topic.{name}] is defined but {name!r} is not listed in topics")
        return value

    @field_validator("entities")
    @classmethod
    def _unique_entities(cls, value: tuple[Entity, ...]) -> tuple[Entity, ...]:
        seen: set[str] = set()
        for entity in value:
            key = entity.name.casefold()
            if key in seen:
                raise ValueError(f"entity {entity.name!r} is listed twice")
            seen.add(key)
        return value

    @field_validator("background")
    @classmethod
    def _background(cls, value: Phrases) -> Phrases:
        return _check_phrases(value)

    @field_validator("rule")
    @classmethod
    def _rule(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        compile_rule(
            value,
            topics=info.data.get("topics", ()),
            entities=(e.name for e in info.data.get("entities", ())),
        )
        return value

    # ------------------------------------------------------------------ compiled views

    def lexicons(self) -> dict[str, Lexicon]:
        """Each topic's effective vocabulary: built-ins merged with this watchlist's changes."""
        result: dict[str, Lexicon] = {}
        for name in self.topics:
            base = BUILTIN_TOPICS.get(name)
            spec = self.topic.get(name)
            if spec is None:
                assert base is not None  # validated: a non-built-in topic has a spec
                result[name] = base
                continue
            if base is None or spec.replace:
                kind = spec.kind or (base.kind if base else "deal")
                result[name] = Lexicon(
                    kind=kind,
                    cues=spec.cues,
                    weak=spec.weak,
                    context=spec.context,
                    negative=spec.negative,
                    both=spec.both,
                    moves=spec.moves,
                    roles=spec.roles,
                    entity_context=bool(spec.entity_context),
                )
            else:
                result[name] = Lexicon(
                    kind=spec.kind or base.kind,
                    cues=base.cues + spec.cues,
                    weak=base.weak + spec.weak,
                    context=base.context + spec.context,
                    negative=base.negative + spec.negative,
                    both=base.both + spec.both,
                    moves=base.moves + spec.moves,
                    roles=base.roles + spec.roles,
                    entity_context=(
                        base.entity_context if spec.entity_context is None else spec.entity_context
                    ),
                )
        return result

    def background_cues(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*BACKGROUND, *self.background)))

    def compiled_rule(self) -> Rule | None:
        """The rule, compiled (it was validated when the watchlist was loaded)."""
        if self.rule is None:
            return None
        return compile_rule(self.rule, topics=self.topics, entities=(e.name for e in self.entities))


def watchlist_from_toml(text: str) -> Watchlist:
    """Parse and validate one watchlist from TOML text."""
    return Watchlist.model_validate(tomllib.loads(text))


def load_watchlist(path: str | Path) -> Watchlist:
    """Read and validate one watchlist file."""
    with open(path, "rb") as fh:
        return Watchlist.model_validate(tomllib.load(fh))


def default_watchlist_path() -> Path:
    """Where the shipped default watchlist (``ai-talent-and-deals``) lives."""
    return Path(str(resources.files("crawler.matching").joinpath(DEFAULT_WATCHLIST_FILE)))


def load_default_watchlist() -> Watchlist:
    """The shipped default watchlist: AI talent moves and AI deals."""
    return load_watchlist(default_watchlist_path())
