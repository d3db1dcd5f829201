"""Watchlist validation: clear reasons with the key path the config loader turns into a line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from crawler.matching import Watchlist, load_watchlist, watchlist_from_toml
from crawler.matching.lexicons import HIRING


def errors(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as info:
        Watchlist.model_validate(data)
    return [(tuple(e["loc"]), e["msg"]) for e in info.value.errors()]


def test_toml_shape_with_entity_tables(tmp_path: Any) -> None:
    path = tmp_path / "wl.toml"
    path.write_text(
        """
name = "deals"
notify = ["slack"]
min_score = 0.6
topics = ["deal"]
rule = '@entities AND NOT title:podcast'
max_age = "7d"

[sources]
include = ["techcrunch*"]

[topic.deal]
negative = ["ipo"]

[focus]
terms = ["model maker"]

[[entity]]
name = "Meta"
aliases = ["Meta Platforms", "Facebook"]
case_sensitive = ["Meta"]

[[entity]]
name = "Mark Zuckerberg"
type = "person"
org = "Meta"
""",
        encoding="utf-8",
    )
    wl = load_watchlist(path)
    assert wl.name == "deals" and wl.notify == ("slack",) and wl.min_score == 0.6
    assert wl.max_age == timedelta(days=7)
    assert wl.entities[0].all_aliases() == ("Meta", "Meta Platforms", "Facebook")
    assert wl.entities[1].type == "person"
    assert wl.focus is not None and "model maker" in wl.focus.all_terms()
    assert "ai" in wl.focus.all_terms()  # the built-in AI terms stay
    assert wl.sources.allows("techcrunch-ai") and not wl.sources.allows("verge")
    assert list(wl.lexicons()) == ["deal"]
    assert wl.compiled_rule() is not None


def test_topic_extend_and_replace() -> None:
    extended = Watchlist.model_validate(
        {"name": "x", "topic": {"hiring": {"negative": ["internship"], "cues": ["headhunts"]}}}
    )
    lex = extended.lexicons()["hiring"]
    assert "internship" in lex.negative and "hiring freeze" in lex.negative
    assert "headhunts" in lex.cues and set(HIRING.cues) <= set(lex.cues)
    replaced = Watchlist.model_validate(
        {"name": "x", "topic": {"hiring": {"replace": True, "cues": ["headhunts"]}}}
    )
    assert replaced.lexicons()["hiring"].cues == ("headhunts",)
    assert replaced.lexicons()["hiring"].negative == ()


def test_custom_topic() -> None:
    wl = Watchlist.model_validate(
        {
            "name": "ipo",
            "topics": ["ipo"],
            "topic": {"ipo": {"kind": "deal", "cues": ["files to go public", "ipo"]}},
        }
    )
    assert wl.lexicons()["ipo"].kind == "deal"


@pytest.mark.parametrize(
    ("data", "loc", "fragment"),
    [
        ({"name": "bad name!"}, ("name",), "not a valid watchlist name"),
        ({"name": "x", "min_score": 1.5}, ("min_score",), "less than or equal to 1"),
        ({"name": "x", "colour": "red"}, ("colour",), "Extra inputs"),
        ({"name": "x", "topics": ["ipo"]}, ("topics",), "unknown topic 'ipo'"),
        ({"name": "x", "topics": []}, ("topics",), "at least one topic"),
        (
            {"name": "x", "topics": ["ipo"], "topic": {"ipo": {"cues": ["ipo"]}}},
            ("topic",),
            "give it a kind",
        ),
        (
            {"name": "x", "entity": [{"name": "Meta", "case_sensitive": ["META"]}]},
            ("entity", 0, "case_sensitive"),
            "'META' is not the name or one of the aliases",
        ),
        (
            {"name": "x", "entity": [{"name": "Meta", "alias": ["Facebook"]}]},
            ("entity", 0, "alias"),
            "Extra inputs",
        ),
        (
            {"name": "x", "entity": [{"name": "A"}, {"name": "B", "aliases": ["--"]}]},
            ("entity", 1, "aliases"),
            "has no letters or digits",
        ),
        (
            {"name": "x", "entity": [{"name": "Meta"}, {"name": "meta"}]},
            ("entity",),
            "listed twice",
        ),
        ({"name": "x", "max_age": "soon"}, ("max_age",), "expected a duration"),
        (
            {"name": "x", "topic": {"ipo": {"kind": "deal", "cues": ["ipo"]}}},
            ("topics",),
            "[topic.ipo] is defined but 'ipo' is not listed in topics",
        ),
        (
            {"name": "x", "topic": {"hiring": {"negative": ["!!"]}}},
            ("topic", "hiring", "negative"),
            "no letters",
        ),
        ({"name": "x", "rule": "acquires AND"}, ("rule",), "position 12: syntax error"),
        ({"name": "x", "rule": "#ipo"}, ("rule",), "position 0: unknown topic '#ipo'"),
        ({"name": "x", "rule": 'entity:"Nobody"'}, ("rule",), "unknown entity 'Nobody'"),
        ({"name": "x", "focus": {"builtin": "crypto"}}, ("focus", "builtin"), "Input should be"),
    ],
)
def test_errors_carry_key_path_and_reason(
    data: dict[str, Any], loc: tuple[str | int, ...], fragment: str
) -> None:
    found = errors(data)
    assert any(where == loc and fragment in msg for where, msg in found), found


def test_watchlist_is_frozen() -> None:
    wl = Watchlist(name="x")
    with pytest.raises(ValidationError):
        wl.name = "y"  # type: ignore[misc]


def test_bad_toml_file_reports_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        watchlist_from_toml('name = "x"\nmin_score = "high"\n')
