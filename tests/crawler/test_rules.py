"""Watchlist rules: every Lucene operator the rules support, and errors that point at a position."""

from __future__ import annotations

import pytest

from crawler.matching import Entity, Matcher, RuleError, Watchlist, compile_rule

ENTITIES = (
    Entity(name="OpenAI", core=True),
    Entity(name="Meta", aliases=("Meta Platforms",), case_sensitive=("Meta",)),
    Entity(name="Scale AI", core=True),
)


def wl(rule: str, **extra: object) -> Watchlist:
    return Watchlist.model_validate(
        {
            "name": "rules",
            "entity": [e.model_dump() for e in ENTITIES],
            "rule": rule,
            "min_score": 0.0,
            **extra,
        }
    )


def holds(rule: str, title: str, body: str = "") -> bool:
    """Whether the rule holds for the article (the score part is made trivially true)."""
    (ex,) = Matcher([wl(rule)]).explain(title, body)
    assert ex.rule_ok is not None
    return ex.rule_ok


@pytest.mark.parametrize(
    ("rule", "title", "body", "expected"),
    [
        ("layoffs", "Meta announces layoffs", "", True),
        ("layoffs", "Meta announces hiring", "", False),
        ("acquires AND talent", "OpenAI acquires a startup for talent", "", True),
        ("acquires AND talent", "OpenAI acquires a startup", "", False),
        ("acquires OR merger", "A merger of equals", "", True),
        ("acquires OR merger", "A partnership", "", False),
        ("acquires NOT layoffs", "OpenAI acquires Foo", "", True),
        ("acquires AND NOT layoffs", "OpenAI acquires Foo, then layoffs", "", False),
        ("-layoffs", "Nothing here", "", True),
        ("+acquires", "OpenAI acquires Foo", "", True),
        ("(acquires OR buys) AND startup", "OpenAI buys a startup", "", True),
        ("(acquires OR buys) AND startup", "OpenAI buys a company", "", False),
        ('"chief AI officer"', "Meta names a chief AI officer", "", True),
        ('"chief AI officer"', "Meta names an AI chief officer", "", False),
        ('"OpenAI researcher"~3', "Meta hires a key OpenAI AI researcher", "", True),
        ('"OpenAI researcher"~1', "OpenAI hires a senior staff AI researcher", "", False),
        ('"researcher OpenAI"~3', "OpenAI hires a researcher", "", True),  # any order
        ("acqui*", "The acquisition closed", "", True),
        ("acqui*", "An acqui-hire", "", True),
        ("acqui*", "Nothing of the sort", "", False),
        ("title:acquires", "OpenAI acquires Foo", "", True),
        ("title:acquires", "Something else", "OpenAI acquires Foo.", False),
        ("body:acquires", "Something else", "OpenAI acquires Foo.", True),
        ("body:acquires", "OpenAI acquires Foo", "", False),
        ("title:(acquires AND startup)", "OpenAI acquires a startup", "", True),
        ("title:(acquires AND startup)", "OpenAI acquires", "A startup.", False),
        ("@entities", "OpenAI acquires Foo", "", True),
        ("@entities", "Nobody acquires Foo", "", False),
        ("@core", "OpenAI ships a model", "", True),
        ("@core", "Meta ships a model", "", False),
        ('entity:"Scale AI"', "Meta invests in Scale AI", "", True),
        ('entity:"Scale AI"', "Meta invests in OpenAI", "", False),
        ("entity:meta", "meta invests in OpenAI", "", False),  # case-sensitive alias
        ("title:@entities AND body:#deal", "OpenAI news", "OpenAI acquires Foo.", True),
        ("#hiring", "Meta hires an OpenAI researcher", "", True),
        ("#hiring", "Meta ships glasses", "", False),
        ("#deal OR #hiring", "OpenAI acquires Foo", "", True),
        ("acquires layoffs", "OpenAI acquires Foo", "", True),  # implicit operator is OR
    ],
)
def test_operators(rule: str, title: str, body: str, expected: bool) -> None:
    assert holds(rule, title, body) is expected


def test_rule_blocks_a_match() -> None:
    article = ("Meta hires OpenAI researcher to lead its AI lab", "")
    plain = Matcher([wl("@entities", min_score=0.5)])
    blocked = Matcher([wl("@entities AND NOT title:lab", min_score=0.5)])
    assert plain.match(*article)
    assert not blocked.match(*article)
    (ex,) = blocked.explain(*article)
    assert ex.reason == "the rule does not hold"


def test_rule_terms_use_the_automaton() -> None:
    rule = compile_rule('acqui* AND "chief AI officer"', topics=(), entities=())
    assert rule.patterns == {" acqui", " chief ai officer "}


@pytest.mark.parametrize(
    ("rule", "position", "fragment"),
    [
        ("acquires AND", 12, "syntax error"),
        ("acquires ) merger", 9, "syntax error"),
        ("acquires AND AND merger", 13, "syntax error"),
        ("(acquires OR merger", 19, "syntax error"),
        ("acquires AND #ipo", 13, "unknown topic '#ipo'"),
        ("@people OR acquires", 0, "unknown group '@people'"),
        ('acquires AND entity:"Nobody Inc"', 13, "unknown entity 'Nobody Inc'"),
        ("author:smith", 0, "unknown field 'author'"),
        ("acq*ires", 0, "only a trailing * wildcard"),
        ("acquires AND acq?", 13, "only a trailing * wildcard"),
        ("acquires~2", 0, "fuzzy terms"),
        ("[a TO b]", 0, "ranges"),
        ("acquires^2", 0, "boosts"),
        ("   ", 0, "the rule is empty"),
    ],
)
def test_errors_give_the_position(rule: str, position: int, fragment: str) -> None:
    with pytest.raises(RuleError) as info:
        compile_rule(rule, topics=("hiring", "deal"), entities=("OpenAI",))
    assert info.value.position == position
    assert str(info.value).startswith(f"position {position}: ")
    assert fragment in str(info.value)


def test_watchlist_rejects_bad_rule_with_key_path() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        wl("acquires AND #ipo")
    (error,) = info.value.errors()
    assert error["loc"] == ("rule",)
    assert "position 13" in error["msg"]
