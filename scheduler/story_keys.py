"""What makes two articles one story: the filter's main event and the text of title and lead.

Pure functions, no database. :func:`facts_of` reads the main event of an article's best match
(kind, actor, target, status, amounts, parties); :func:`signature` is a MinHash of the word
2-gram shingles of the title and lead (one-permutation hashing into 128 bins over a 64-bit
BLAKE2b of each shingle: stable across processes, so signatures can be stored), and
:func:`band_keys` cuts its first 80 values into 20 LSH bands of 4 rows (a pair with Jaccard
similarity *s* becomes a candidate with probability ``1 - (1 - s**4)**20``: 0.5 at s ≈ 0.47).
:func:`party_keys` are the event's indexed keys. :func:`same_event` decides: two events of one
kind with different named targets (Meta hires A; Meta hires B) never merge, the same target does
whatever its status (agreed, then completed), and articles without an event join only on
clearly similar text.
"""

from __future__ import annotations

import hashlib
import operator
import random
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from crawler.matching.types import Match

PERMUTATIONS = 128
BAND_ROWS = 4
# 20 bands of 4 rows (the first 80 values): the LSH threshold (1/20)**(1/4) ≈ 0.47, the published
# setting for news; similarity is still estimated on all 128. 32 bands (threshold 0.42) cost
# 12 more indexed rows an article, the biggest part of clustering's write cost.
BANDS = 20
SHINGLE = 2
LEAD_WORDS = 60  # words of the body read as the lead
# Estimated Jaccard similarity above which articles without an event join a story, and the
# weaker bar for two events of the same kind and actor when one names no target.
TEXT_JOIN = 0.5
SAME_ACTOR_JOIN = 0.3

# Each bin's probe order for densification: fixed, so stored signatures stay comparable.
_PROBES = [random.Random(i).sample(range(PERMUTATIONS), PERMUTATIONS) for i in range(PERMUTATIONS)]
_WORD = re.compile(r"\w+")
_STOP = frozenset(
    (
        *("a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "as", "at", "by"),
        *("with", "from", "its", "it", "is", "was", "are", "be", "has", "have", "that"),
        *("this", "will", "would", "after", "over", "into", "said", "says"),
    )
)
# Words that do not tell one company from another ("Meta Platforms Inc." is Meta).
_SUFFIXES = frozenset(
    (
        *("inc", "corp", "corporation", "co", "ltd", "llc", "plc", "sa", "ag", "gmbh"),
        *("group", "holdings", "platforms", "technologies", "labs", "ai"),
    )
)
_ROLES = frozenset(("acquirer", "target", "investor", "hirer", "person"))
_FINAL = frozenset(("completed", "off", "blocked"))


@dataclass(frozen=True, slots=True)
class Facts:
    """The main event of an article's best match, as clustering reads it."""

    kind: str  # deal | hiring | both
    actor: str | None = None
    target: str | None = None
    status: str | None = None
    amounts: tuple[float, ...] = ()
    parties: tuple[str, ...] = ()
    score: float = 0.0
    # Whether the title names the target: a main event found only in the body (a recap of an
    # older deal in a story about something else) is a weak claim to be the same story.
    in_title: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "actor": self.actor,
            "target": self.target,
            "status": self.status,
            "amounts": list(self.amounts),
            "parties": list(self.parties),
            "score": self.score,
            "in_title": self.in_title,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        return cls(
            kind=str(data["kind"]),
            actor=data.get("actor"),
            target=data.get("target"),
            status=data.get("status"),
            amounts=tuple(float(a) for a in data.get("amounts", ())),
            parties=tuple(str(p) for p in data.get("parties", ())),
            score=float(data.get("score", 0.0)),
            in_title=bool(data.get("in_title", True)),
        )

    def headline(self) -> str:
        """``deal Zendesk → Cleverly.ai (agreed)``: one frame of a story, for listings."""
        who = " → ".join(p for p in (self.actor, self.target) if p)
        return f"{self.kind} {who}".strip() + (f" ({self.status})" if self.status else "")


def facts_of(matches: Sequence[Match], title: str = "") -> Facts | None:
    """The main event of the best-scoring match that names one (None: no event)."""
    best = max((m for m in matches if m.event is not None), key=lambda m: m.score, default=None)
    if best is None or best.event is None:
        return None
    event = best.event
    parties = tuple(dict.fromkeys(e.name for e in best.entities if e.role in _ROLES))
    return Facts(
        kind=event.kind,
        actor=event.actor,
        target=event.target,
        status=event.status,
        amounts=tuple(sorted({a.value for a in best.amounts})),
        parties=parties,
        score=best.score,
        in_title=_named(event.target, title) if title else True,
    )


def _named(name: str | None, title: str) -> bool:
    words = set(name_tokens(title.replace("'s ", " ")))
    tokens = name_tokens(name or "")
    return bool(tokens) and (tokens[0] in words or tokens[-1] in words)


@lru_cache(maxsize=4096)  # a save compares the same few names against every candidate
def name_tokens(name: str) -> tuple[str, ...]:
    """A party's name as comparable words: folded accents, no punctuation or company suffix."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", folded.replace("'s", "")) if w]
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return tuple(words)


def same_name(a: str | None, b: str | None) -> bool:
    """Whether two names are one party: equal words, or one is the start or end of the other
    ("Scale AI" and "Scale"; "Alexandr Wang" and "Wang")."""
    if not a or not b:
        return False
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return long[: len(short)] == short or long[-len(short) :] == short


def _kinds_meet(a: str, b: str) -> bool:
    return a == b or "both" in (a, b)


def _key(text: str) -> int:
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & ((1 << 63) - 1)  # a positive SQL BIGINT


def party_keys(facts: Facts | None) -> list[int]:
    """Indexed keys of an event: its kind with the target's first and last word, or, without a
    target, with the actor's first word. Lookups over-generate; :func:`same_event` decides."""
    if facts is None:
        return []
    kinds = ("deal", "hiring") if facts.kind == "both" else (facts.kind,)
    keys: list[str] = []
    for kind in kinds:
        target = name_tokens(facts.target or "")
        actor = name_tokens(facts.actor or "")
        if target:
            keys += [f"t|{kind}|{target[0]}", f"t|{kind}|{target[-1]}"]
        if actor:
            keys.append(f"a|{kind}|{actor[0]}")
    return sorted({_key(k) for k in keys})


def lead_text(title: str, text: str) -> str:
    """The title and the first :data:`LEAD_WORDS` words of the body."""
    return title + "\n" + " ".join(text.split()[:LEAD_WORDS])


def shingles(title: str, text: str) -> set[str]:
    """Word 2-grams of the title and lead, lower-cased, without the commonest short words."""
    words = [w for w in _WORD.findall(lead_text(title, text).lower()) if w not in _STOP]
    if len(words) < SHINGLE:
        return set(words)
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def signature(items: Iterable[str]) -> bytes:
    """One-permutation MinHash of ``items``: :data:`PERMUTATIONS` unsigned 32-bit values, packed.

    Each shingle is hashed once (64-bit BLAKE2b); its low 7 bits pick a bin, the next 24 bits
    are its value, and each bin keeps its minimum. An empty bin borrows the value of the first
    filled bin in its own fixed random probe order (optimal densification, Shrivastava 2017), so
    a short lead still gives comparable values in every band. O(shingles + bins), where
    128 independent permutations cost O(shingles x 128) (about 20x more in pure Python).
    """
    empty = 0xFFFFFFFF
    bins = [empty] * PERMUTATIONS
    for s in items:
        h = int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big")
        i, value = h % PERMUTATIONS, (h >> 8) & 0xFFFFFF
        if value < bins[i]:
            bins[i] = value
    if all(v == empty for v in bins):
        return array("I", bins).tobytes()
    out = list(bins)
    for i in range(PERMUTATIONS):
        if bins[i] == empty:
            # Borrow from the first filled bin in this bin's own fixed random probe order.
            out[i] = next(bins[j] for j in _PROBES[i] if bins[j] != empty)
    return array("I", out).tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (the share of equal values)."""
    va, vb = array("I", a), array("I", b)
    if len(va) != len(vb) or not va:
        return 0.0
    return int(sum(map(operator.eq, va, vb))) / len(va)


def band_keys(sig: bytes) -> list[int]:
    """The LSH band keys of a signature: one indexed key per band of :data:`BAND_ROWS` values."""
    step = BAND_ROWS * 4
    return [_key(f"b{i}|" + sig[i * step : (i + 1) * step].hex()) for i in range(BANDS)]


def _swapped(a: Facts, b: Facts) -> bool:
    """The same two parties named the other way round (the hirer as target, the hire as actor)."""
    return bool(
        a.actor
        and a.target
        and b.actor
        and b.target
        and same_name(a.actor, b.target)
        and same_name(a.target, b.actor)
        and a.in_title
        and b.in_title
    )


def same_event(article: Facts | None, story: Facts | None, sim: float) -> bool:
    """Whether an article with event ``article`` reports the story whose event is ``story``."""
    if article is not None and story is not None:
        if not _kinds_meet(article.kind, story.kind):
            return False
        if _swapped(article, story):
            return True  # "OpenAI fires Altman" and "Altman's exit from OpenAI": one event
        if article.target and story.target:
            if not same_name(article.target, story.target):
                return False  # Meta hires A; Meta hires B: two stories
            # The same target: one story, whatever the status; a different named buyer
            # (a rival bid) is another story.
            if article.actor and story.actor and not same_name(article.actor, story.actor):
                return False
            # A target named in both titles is the news; one found only in a body may be a
            # recap inside another story, which must then read alike too.
            return (article.in_title and story.in_title) or sim >= SAME_ACTOR_JOIN
        return same_name(article.actor, story.actor) and sim >= SAME_ACTOR_JOIN
    if article is None and story is None:
        return sim >= TEXT_JOIN
    # One side is about an event, the other is not (a recap, an earnings story): only text that
    # is clearly the same report joins them.
    return sim >= max(TEXT_JOIN, 0.6)


def material(article: Facts | None, seen: dict[str, Any]) -> list[str]:
    """What ``article`` adds to a story that has already ``seen`` statuses, amounts and parties:
    a new status (completed, called off), a new amount, a new party. Empty: nothing new."""
    if article is None or not seen:
        return []
    news: list[str] = []
    statuses = {str(x) for x in seen.get("statuses", ())}
    # A status is news when it changes one already reported (agreed -> completed), or is final.
    if article.status and article.status not in statuses and (statuses or article.status in _FINAL):
        news.append(f"status {article.status}")
    amounts = {float(a) for a in seen.get("amounts", ())}
    for value in article.amounts:
        if value not in amounts:
            news.append(f"amount {value:g}")
            break
    parties = [str(p) for p in seen.get("parties", ())]
    for party in article.parties:
        if parties and not any(same_name(party, p) for p in parties):
            news.append(f"party {party}")
            break
    return news


def merge_seen(seen: dict[str, Any], article: Facts | None) -> dict[str, Any]:
    """The story's seen statuses, amounts and parties once ``article`` joined it."""
    if article is None:
        return seen
    statuses = {str(x) for x in seen.get("statuses", ())}
    if article.status:
        statuses.add(article.status)
    out = {
        "statuses": sorted(statuses),
        "amounts": sorted({float(a) for a in seen.get("amounts", ())} | set(article.amounts)),
        "parties": list(dict.fromkeys([*seen.get("parties", ()), *article.parties])),
    }
    return out
