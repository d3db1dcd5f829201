"""The filter on whole stories: hand-written fixtures for every family the filter must get right.

The stories in :mod:`tests.crawler.filter_cases` are ours, about invented companies; none of them
was used to fit the model. Each relevant one must match with the right parties in the alert's
headline line, each false alarm must not.
"""

from __future__ import annotations

import pytest

from crawler.matching import Matcher, load_default_watchlist
from tests.crawler.filter_cases import CASES, Case


@pytest.fixture(scope="module")
def default() -> Matcher:
    return Matcher([load_default_watchlist()])


# Stories the filter still misses, kept as strict expected failures so that fixing them shows.
# Stories the filter is known to miss (strict xfails: a fix must remove its entry).
KNOWN_MISSES: dict[str, str] = {}


def _param(case: Case) -> object:
    reason = KNOWN_MISSES.get(case.id)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(case, id=case.id, marks=marks)


RELEVANT = [c for c in CASES if c.relevant]
FALSE_ALARMS = [c for c in CASES if not c.relevant]


@pytest.mark.parametrize("case", [_param(c) for c in RELEVANT])
def test_relevant_story_matches_with_its_parties(default: Matcher, case: Case) -> None:
    (match,) = default.match(case.title, case.body)
    assert match.event is not None
    headline = match.event.headline()
    assert case.actor is not None and case.target is not None
    assert match.event.actor is not None and case.actor in match.event.actor, headline
    assert match.event.target is not None and case.target in match.event.target, headline
    if case.kind == "hiring":
        assert match.kind in ("hiring", "both")
    else:
        assert match.kind in ("deal", "both")
    if case.kind == "both":
        assert match.kind == "both"


@pytest.mark.parametrize("case", FALSE_ALARMS, ids=[c.id for c in FALSE_ALARMS])
def test_false_alarm_does_not_match(default: Matcher, case: Case) -> None:
    assert default.match(case.title, case.body) == []


def test_every_false_alarm_family_has_a_case() -> None:
    families = {c.family for c in FALSE_ALARMS}
    assert len(families) >= 10


def test_canonical_feature_matches_from_its_body(default: Matcher) -> None:
    """A feature whose headline names no event, whose fifth paragraph reports a stake and a
    founder hire: the alert names Meta and the startup, with evidence from the body."""
    case = next(c for c in CASES if c.id == "canonical-feature")
    (match,) = default.match(case.title, case.body)
    assert match.kind == "both"
    assert match.event is not None
    assert match.event.headline().startswith("Deal + hiring · Meta → Tallyframe")
    assert match.evidence and all(e.field == "body" for e in match.evidence)
    fifth = case.body.split("\n")[4]
    assert match.evidence[0].text in fifth
    assert {a.value for a in match.amounts} >= {11.5e9}


STATUSES = [c for c in RELEVANT if c.status in ("talks", "blocked", "off")]


@pytest.mark.parametrize("case", STATUSES, ids=[c.id for c in STATUSES])
def test_deal_status_is_reported(default: Matcher, case: Case) -> None:
    (match,) = default.match(case.title, case.body)
    assert match.event is not None and match.event.status == case.status


def test_canonical_feature_is_read_right_even_below_the_threshold() -> None:
    """What the filter does get right in the canonical feature: its frames and their parties."""
    case = next(c for c in CASES if c.id == "canonical-feature")
    everything = Matcher([load_default_watchlist().model_copy(update={"min_score": 0.0})])
    (ex,) = everything.explain(case.title, case.body)
    assert any(
        f.startswith("deal 'invested' in body") and "Meta -> Tallyframe" in f for f in ex.frames
    )
    assert any("Meta -> Idris Okafor (from Tallyframe)" in f for f in ex.frames)
    assert ex.match is not None and ex.match.event is not None
    assert ex.match.event.actor == "Meta" and ex.match.event.target == "Tallyframe"
    fifth = case.body.split("\n")[4]
    assert ex.match.evidence[0].text in fifth
