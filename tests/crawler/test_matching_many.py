"""Many watchlists in one matcher: each gets exactly the verdict it gets alone, and the judgement of
an article is made once for all the watchlists that read alike and that it names nothing of.

Behaviour, not timing: the cost figures are ``bench/matcher.py``'s (``watchlists`` block).
"""

from __future__ import annotations

from typing import Any

import pytest

from crawler.matching import Matcher, Watchlist, load_default_watchlist, reading
from crawler.matching.compiler import CATEGORY_NAMES, compile_watchlists, reading_key
from crawler.matching.scan import Hit, scan
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
    # An alias that is also a cue word, and rule terms: own hits that fall on the same words as
    # the shared vocabulary's, which the scan keeps apart and hands back merged.
    odd = Watchlist.model_validate(
        {
            "name": "odd",
            "parties": "any",
            "entity": [{"name": "Scale AI", "aliases": ["Scale", "acquires"]}, {"name": "AI"}],
            "rule": "acquires OR hires OR @entities",
            "min_score": 0.05,
        }
    )
    few = clients(4)
    return [few[0], listed, few[1], no_focus, odd, ruled, few[2], custom, few[3], DEFAULT]


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
            assert (shared.score, shared.kind, shared.reason, shared.rule_ok) == (
                solo.score,
                solo.kind,
                solo.reason,
                solo.rule_ok,
            ), (title, solo.watchlist)
            assert (shared.hits, shared.components, shared.frames) == (
                solo.hits,
                solo.components,
                solo.frames,
            ), (title, solo.watchlist)
    assert matched > 20  # the fixtures do match: the comparison is not between empty lists


def _hits(compiled: Any, title: str, body: str, wi: int) -> list[list[tuple[Any, ...]]]:
    """Watchlist ``wi``'s hits in each field, without the index they were recorded under."""
    out = []
    for name, text in (("title", title), ("body", body)):
        f = scan(compiled.automaton, compiled.patterns, name, text, compiled.vocabulary)  # type: ignore[arg-type]
        out.append([_plain(h) for h in f.of(wi)])
    return out


def _plain(h: Hit) -> tuple[Any, ...]:
    # Not ``nested``: it says a cue may sit inside *some* watchlist's entity name (any watchlist
    # of the automaton), only to ask for the containment check against the watchlist's own.
    return (h.category, h.payload, h.field, h.start, h.end)


def test_each_watchlist_sees_the_hits_it_sees_alone_in_the_same_order() -> None:
    watchlists = mixed()
    together = compile_watchlists(watchlists)
    alone = [compile_watchlists([w]) for w in watchlists]
    for title, body in ARTICLES:
        for wi, solo in enumerate(alone):
            assert _hits(together, title, body, wi) == _hits(solo, title, body, 0), (title, wi)


def test_own_hits_are_merged_with_the_vocabulary_in_text_order() -> None:
    """Entities before the vocabulary's cue on the same word, rule terms after: the order in
    which the watchlist lists them, whatever other watchlists share the automaton."""
    odd = next(w for w in mixed() if w.name == "odd")
    for watchlists in ([odd], [DEFAULT, odd], [odd, *clients(3)]):
        compiled = compile_watchlists(watchlists)
        wi = watchlists.index(odd)
        (body,) = _hits(compiled, "", "Scale acquires Meta and hires staff.", wi)[1:]
        assert [(CATEGORY_NAMES[c], p, a, b) for c, p, _, a, b in body] == [
            ("entity", 0, 0, 5),
            ("entity", 0, 6, 14),
            ("cue", "deal", 6, 14),
            ("rule-term", " acquires ", 6, 14),
            ("cue", "hiring", 24, 29),
            ("rule-term", " hires ", 24, 29),
        ]


def test_an_article_is_judged_once_for_the_watchlists_it_names_nothing_of(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stories: list[tuple[str, bool]] = []
    original = reading._story

    def counting(fields: Any, cw: Any, *args: Any) -> Any:
        stories.append((cw.watchlist.name, bool(fields["body"].text)))
        return original(fields, cw, *args)

    monkeypatch.setattr(reading, "_story", counting)
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
    in_title = {w.name for w in watchlists if any(e.name in title for e in w.entities)}
    assert owner.name in named and len(named) < len(watchlists) // 2
    assert in_title < named  # one watchlist's entity is named in the body only (Wang)
    # One story for each watchlist the article names, and one shared by all the others.
    article = [name for name, full in stories if full]
    assert named <= set(article)
    assert len(article) == len(named) + 1
    # The body is a teaser, so the headline is also read alone: there the watchlist that names
    # nothing in the headline reads it as the watchlists that name nothing at all do.
    headline = [name for name, full in stories if not full]
    assert in_title <= set(headline)
    assert len(headline) == len(in_title) + 1
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
