"""Many watchlists in one matcher: each gets exactly the verdict it gets alone, and the judgement of
an article is made once for all the watchlists that read alike and that it names nothing of.

Behaviour, not timing: the cost figures are ``bench/matcher.py``'s (``watchlists`` block).
"""

from __future__ import annotations

from typing import Any

import pytest

from crawler.matching import Matcher, Watchlist, load_default_watchlist
from crawler.matching.compiler import reading_key
from tests.crawler.filter_cases import CASES

DEFAULT = load_default_watchlist()


def clients(k: int) -> list[Watchlist]:
    """``k`` per-client watchlists: the default reading, each with its own share of entities."""
    return [
        DEFAULT.model_copy(
            update={
                "name": f"client-{i}",
                "entities": DEFAULT.entities[i::k],
                "min_score": 0.3 + 0.05 * i,
                "notify": (f"chan-{i}",),
            }
        )
        for i in range(k)
    ]


def mixed() -> list[Watchlist]:
    """Watchlists of several readings, interleaved with the same-reading clients."""
    data = DEFAULT.model_dump(by_alias=True)
    listed = Watchlist.model_validate({**data, "name": "listed-only", "parties": "listed"})
    no_focus = Watchlist.model_validate({**data, "name": "no-focus", "focus": None})
    ruled = DEFAULT.model_copy(
        update={"name": "ruled", "rule": "@entities AND NOT title:podcast", "min_score": 0.2}
    )
    custom = Watchlist.model_validate(
        {
            "name": "listings",
            "parties": "any",
            "topics": ["ipo", "hiring"],
            "topic": {"ipo": {"kind": "deal", "cues": ["files to go public", "acquires"]}},
            "min_score": 0.05,
        }
    )
    few = clients(4)
    return [few[0], listed, few[1], no_focus, ruled, few[2], custom, few[3], DEFAULT]


def verdicts(matcher: Matcher, title: str, body: str) -> list[dict[str, Any]]:
    return [m.to_dict() for m in matcher.match(title, body)]


ARTICLES = [(c.title, c.body) for c in CASES] + [
    ("Weather", "Rain is expected on Sunday."),
    ("", ""),
]


def test_each_watchlist_gets_the_verdict_it_gets_alone() -> None:
    watchlists = mixed()
    together = Matcher(watchlists)
    alone = [Matcher([w]) for w in watchlists]
    matched = 0
    for title, body in ARTICLES:
        expected = [d for m in alone for d in verdicts(m, title, body)]
        got = verdicts(together, title, body)
        assert got == expected, title
        matched += len(got)
        explained = {e.watchlist: e for e in together.explain(title, body)}
        for m in alone:
            (solo,) = m.explain(title, body)
            shared = explained[solo.watchlist]
            assert (shared.score, shared.kind, shared.reason, shared.components) == (
                solo.score,
                solo.kind,
                solo.reason,
                solo.components,
            ), (title, solo.watchlist)
    assert matched > 20  # the fixtures do match: the comparison is not between empty lists


def test_an_article_is_judged_once_for_the_watchlists_it_names_nothing_of(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readings: list[str] = []
    original = Matcher._analyse

    def counting(self: Matcher, fields: Any, cw: Any) -> Any:
        readings.append(cw.watchlist.name)
        return original(self, fields, cw)

    monkeypatch.setattr(Matcher, "_analyse", counting)
    watchlists = clients(20)
    matcher = Matcher(watchlists)
    owner = next(w for w in watchlists if any(e.name == "Scale AI" for e in w.entities))
    title = "Meta invests $14.3 billion in Scale AI and hires its chief executive"
    body = (
        "Meta has agreed to invest $14.3 billion in Scale AI for a 49% stake, and Scale AI's "
        "chief executive Alexandr Wang will join Meta to lead a new superintelligence lab."
    )
    matches = matcher.match(title, body)
    named = {w.name for w in watchlists if any(e.name in title + body for e in w.entities)}
    assert owner.name in named and len(named) < len(watchlists) // 2
    # One reading for each watchlist the article names, and one shared by all the others.
    assert named <= set(readings)
    assert len(readings) == len(named) + 1
    assert {m.watchlist for m in matches} >= {owner.name}


def test_reading_key_ignores_what_is_applied_after_the_reading_only() -> None:
    base = reading_key(DEFAULT)
    same = DEFAULT.model_copy(
        update={
            "name": "other",
            "entities": DEFAULT.entities[:3],
            "min_score": 0.9,
            "rule": "@entities",
            "notify": ("x",),
        }
    )
    assert reading_key(same) == base
    data = DEFAULT.model_dump(by_alias=True)
    for change in (
        {"parties": "listed"},
        {"focus": None},
        {"topics": ["hiring"]},
        {"background": ["in 2019"]},
    ):
        assert reading_key(Watchlist.model_validate({**data, **change})) != base, change
