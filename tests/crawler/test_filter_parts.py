"""The filter's stages one by one: open-world parties, frames and roles, fitting, the model."""

from __future__ import annotations

import json
import random

import pytest

from crawler.matching import Matcher, Watchlist, load_default_watchlist
from crawler.matching.compiler import FOCUS
from crawler.matching.descriptors import mentions_ai
from crawler.matching.fitting import Story, best_threshold, cross_validate, fit, fit_logistic
from crawler.matching.parties import ai_name, find_parties, is_title_case, person_like, title_names
from crawler.matching.scoring import FilterModel, load_model
from crawler.matching.story import FEATURES
from crawler.matching.types import Event, Match

# ----------------------------------------------------------------------------- parties


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        (
            "Zendesk, the customer service company, acquired AI startup Cleverly.ai on Monday.",
            ["Zendesk", "Cleverly.ai"],
        ),
        ("OpenAI CEO Sam Altman said the company bought io.", ["OpenAI", "Sam Altman"]),
        ("NEW YORK — GM-backed Cruise is acquiring Voyage.", ["Cruise", "Voyage"]),
        ("The round was led by SoftBank Vision Fund 2 and xAI.", ["SoftBank Vision Fund 2", "xAI"]),
        ("Google to invest $15B in Indian AI infrastructure", ["Google"]),
        (
            "San Jose-based edge startup SiMa.ai hired Ana Samara-Rubio.",
            ["SiMa.ai", "Ana Samara-Rubio"],
        ),
    ],
)
def test_find_parties(sentence: str, names: list[str]) -> None:
    assert [p.name for p in find_parties(sentence)] == names


def test_party_shapes() -> None:
    assert person_like("Alexandr Wang") and not person_like("Global Illumination")
    assert not person_like("North America")
    assert person_like("Elizabeth Samara-Rubio") and not person_like("Samara Rubio Labs")
    assert ai_name("Nod.ai") and ai_name("Scale AI") and not ai_name("Arcion")
    title = "Zendesk Acquires Customer Service Automation Startup Cleverly.ai"
    assert is_title_case(title) and not is_title_case("Zendesk acquires a startup in Denver")
    body = "Zendesk has bought Cleverly.ai, which automates support."
    assert title_names(title, body) == ["Zendesk", "Cleverly.ai"]


def test_ai_angle_from_descriptors_and_subject_sentences() -> None:
    m = Matcher([load_default_watchlist()])

    def ai(text: str, name: str) -> bool:
        f = m._scan("", text)["body"]
        return mentions_ai(f, name, sorted(h.start for h in f.of(0) if h.category == FOCUS))

    # A place's commas do not end an apposition.
    assert ai(
        "Arbuckle bought Sorrelgrid, a Lincoln, Nebraska, company that builds machine-learning "
        "models for farms.",
        "Sorrelgrid",
    )
    # A sentence the company opens describes it; a quote it opens, or another sentence, does not.
    assert ai("Halloran bought Skinsight. Skinsight trains neural networks on photos.", "Skinsight")
    assert not ai("Halloran bought Arcion. “Arcion will speed up our data and AI work.”", "Arcion")
    assert not ai("Halloran bought Arcion, a data company. Shares rose on AI hopes.", "Arcion")


# ----------------------------------------------------------------------------- frames


def roles(title: str, text: str = "") -> tuple[str | None, str | None, str | None]:
    m = Matcher([load_default_watchlist().model_copy(update={"min_score": 0.0})])
    (match,) = m.match(title, text)
    assert match.event is not None
    return match.event.actor, match.event.target, match.event.status


@pytest.mark.parametrize(
    ("title", "actor", "target"),
    [
        ("Zendesk acquires AI support-automation startup Cleverly.ai", "Zendesk", "Cleverly.ai"),
        ("AI personalization provider Qubit gets acquired by Coveo", "Coveo", "Qubit"),
        ("Coveo's acquisition of AI startup Qubit closes", "Coveo", "Qubit"),
        ("Amazon to invest up to $4bn in OpenAI rival Anthropic", "Amazon", "Anthropic"),
        (
            "Edge compute maker SiMa.ai hires former Google engineer Dana Ruiz",
            "SiMa.ai",
            "Dana Ruiz",
        ),
        (
            "Google speech researcher Ayesha Tran lured away to Vantora AI",
            "Vantora AI",
            "Ayesha Tran",
        ),
        ("Dana Ruiz joins Anthropic as chief AI officer", "Anthropic", "Dana Ruiz"),
        ("Google and Meta acquire AI firm Wiz", "Google and Meta", "Wiz"),
        ("OpenAI acquires AI startup founded by ex-Instagram staff", "OpenAI", None),
    ],
)
def test_frame_roles(title: str, actor: str, target: str | None) -> None:
    found = roles(title)
    assert found[:2] == (actor, target)


def _deal_frame(text: str) -> tuple[str | None, str | None, bool, bool]:
    m = Matcher([load_default_watchlist()])
    (analysis,) = m.analyse("", text)
    fr = analysis.kinds["deal"].frames[0]
    return (
        fr.actor.name if fr.actor else None,
        fr.target.name if fr.target else None,
        fr.negative,
        fr.background,
    )


def test_what_an_apposition_says_is_about_the_party_not_the_deal() -> None:
    # "warehouse" describes the startup's customers, not an asset bought.
    text = (
        "Workday said on Thursday it had acquired Rosterine, an AI startup that forecasts "
        "how many staff a store, warehouse or clinic will need."
    )
    assert _deal_frame(text) == ("Workday", "Rosterine", False, False)
    # "which owns" describes the buyer; it is no recap of this purchase.
    text = "Bellcourt Hotels, which owns 140 hotels, has acquired Roomcast, an AI pricing startup."
    assert _deal_frame(text) == ("Bellcourt Hotels", "Roomcast", False, False)
    # An asset after the cue is still an asset purchase, a recap still a recap.
    assert _deal_frame("Ennor AI acquired a warehouse from Gatehold.")[2]
    assert _deal_frame("Ennor, which bought the AI startup Gatehold in 2021, said so.")[3]


def test_it_and_the_bank_are_the_story_subject() -> None:
    text = (
        "Thessaly Bank, the Athens-based lender, is trying to take paper out of its trading desk.\n"
        "The bank said on Tuesday that it had taken a 19.9% stake in Cantilo AI, a London "
        "startup whose language models read trade confirmations."
    )
    assert _deal_frame(text)[:2] == ("Thessaly Bank", "Cantilo AI")
    # The target is never its own buyer.
    text = "Cantilo AI builds language models.\nThe company said a rival acquired Cantilo AI."
    assert _deal_frame(text)[:2] == (None, "Cantilo AI")


def test_the_company_behind_a_product_is_not_the_product() -> None:
    text = (
        "OpenAI is making more moves.\nThe company behind ChatGPT and Dall-E 2 just announced "
        "it has acquired Global Illumination, a New York startup."
    )
    assert _deal_frame(text)[:2] == ("OpenAI", "Global Illumination")


def test_she_and_a_surname_are_the_person_the_story_named() -> None:
    m = Matcher([load_default_watchlist()])
    text = (
        "Marguerite Aldana has been in her new job for six weeks.\n"
        "Aldana joined Fenwick & Rowe, the home-improvement chain, as its first chief AI "
        "officer in September. She was hired from Amazon, where she led a machine-learning team."
    )
    (analysis,) = m.analyse("A conversation with Marguerite Aldana", text)
    hires = analysis.kinds["hiring"].frames
    assert [fr.target.name if fr.target else None for fr in hires] == ["Marguerite Aldana"] * 2
    assert hires[0].actor is not None and hires[0].actor.name.startswith("Fenwick")
    assert hires[1].origin is not None and hires[1].origin.name == "Amazon"


def test_the_company_that_hires_is_the_story_subject() -> None:
    m = Matcher([load_default_watchlist()])
    text = (
        "San Jose-based edge computing startup SiMa.ai has released a no-code AI system.\n"
        "Now, the company is pushing ahead, announcing the hire of Elizabeth Samara-Rubio as its "
        "new Chief Business Officer."
    )
    (analysis,) = m.analyse("", text)
    (hire,) = analysis.kinds["hiring"].frames
    assert hire.actor is not None and hire.actor.name == "SiMa.ai"
    assert hire.target is not None and hire.target.name == "Elizabeth Samara-Rubio"


def test_a_competing_word_that_describes_a_company_is_no_competing_event() -> None:
    m = Matcher([load_default_watchlist()])
    body = "The round was led by SoftBank Vision Fund 2, the AI startup said on Monday."

    def compete(title: str) -> float:
        (analysis,) = m.analyse(title, body)
        return analysis.kinds["deal"].features["compete_title"]

    assert compete("Contract management startup Clausewell nabs $115M for AI review") == 0.0
    assert compete("Clausewell signs a cloud contract with Oracle for AI review") == 1.0


def test_a_founder_returning_as_chief_executive_is_a_hire() -> None:
    m = Matcher([load_default_watchlist()])
    text = (
        "Halberd AI said on Wednesday that co-founder Dmitri Lasko would return as chief executive."
    )
    (analysis,) = m.analyse("", text)
    (hire,) = analysis.kinds["hiring"].frames
    assert hire.actor is not None and hire.actor.name == "Halberd AI" and hire.senior
    (analysis,) = m.analyse("", "Shares of Halberd AI would return as markets calm.")
    assert analysis.kinds["hiring"].frames == []


def test_deal_status() -> None:
    assert roles("Google in advanced talks to acquire AI startup Threadline")[2] == "talks"
    assert roles("Regulators block Microsoft's AI chip deal; the acquisition of Siltrove")[2] == (
        "blocked"
    )
    assert roles("Halcyon calls off its acquisition of AI startup Pennant Labs")[2] == "off"


def test_strategic_round_is_a_deal_by_its_lead_investor() -> None:
    title = "Fathomlight raises $40M to build AI inspection tools"
    body = (
        "Fathomlight, an AI startup that inspects pipelines, raised $40 million in a Series B. "
        "The round was led by Intel Capital, with participation from two venture firms."
    )
    assert roles(title, body)[:2] == ("Intel Capital", "Fathomlight")
    vc = body.replace("Intel Capital", "Redline Partners")
    m = Matcher([load_default_watchlist()])
    assert m.match(title, vc) == []


def test_listed_parties_need_a_watched_entity() -> None:
    data = {"name": "listed", "entity": [{"name": "Meta"}], "focus": {"builtin": "ai"}}
    listed = Matcher([Watchlist.model_validate({**data, "min_score": 0.0})])
    anyone = Matcher([Watchlist.model_validate({**data, "min_score": 0.0, "parties": "any"})])
    title = "Zendesk acquires AI support-automation startup Cleverly.ai"
    assert listed.match(title, "") == []
    assert anyone.match(title, "") != []
    assert listed.match("Meta acquires AI startup Cleverly.ai", "") != []


def test_event_headline_and_round_trip() -> None:
    event = Event("deal", "Zendesk", "Cleverly.ai", "AI support automation", "agreed")
    assert event.headline() == "Deal · Zendesk → Cleverly.ai (AI support automation) · agreed"
    hire = Event("hiring", "Meta", "Alexandr Wang", origin="Scale AI")
    assert hire.headline() == "Hiring · Meta → Alexandr Wang from Scale AI"
    match = Match("w", 0.9, "deal", event=event)
    assert Match.from_dict(match.to_dict()) == match
    assert Match.from_dict({**match.to_dict(), "event": None}).event is None


def test_explain_shows_frames_and_the_main_one() -> None:
    m = Matcher([load_default_watchlist()])
    (ex,) = m.explain("Zendesk acquires AI support-automation startup Cleverly.ai", "")
    assert any(f.startswith("deal 'acquires' in title: Zendesk -> Cleverly.ai") for f in ex.frames)
    assert any("main frame deal 'acquires'" in c for c in ex.components)
    assert any("sigmoid" in c for c in ex.components)


def test_huge_text_is_cut_before_matching() -> None:
    m = Matcher([load_default_watchlist()])
    body = "Meta acquires AI startup Foo. " + "Filler words without events. " * 50_000
    (ex,) = m.explain("News", body)
    assert ex.score >= 0.0  # finishes; the text matched is capped


# ----------------------------------------------------------------------------- fitting


def synthetic(n: int, seed: int) -> list[Story]:
    """Stories whose label follows one feature, with noise in another."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        label = "relevant" if i % 3 == 0 else "irrelevant"
        x = {"title_frame_ai": 1.0 if label == "relevant" else 0.0, "ai_title": rng.random()}
        if rng.random() < 0.05:  # a few contradicting labels
            x["title_frame_ai"] = 1.0 - x["title_frame_ai"]
        out.append(Story(f"s{i}", label, "deal", (("deal", x),)))
    return out


def test_fit_learns_the_informative_feature() -> None:
    stories = synthetic(300, 1)
    model = fit(stories, ("title_frame_ai", "ai_title"), l2=1.0, k=3).models["article"]
    assert model.weights["title_frame_ai"] > 2 * abs(model.weights["ai_title"])
    positive = model.score({"title_frame_ai": 1.0, "ai_title": 0.5})
    negative = model.score({"title_frame_ai": 0.0, "ai_title": 0.5})
    assert positive > 5 * negative and negative < 0.5


def test_cross_validation_scores_every_story_out_of_fold() -> None:
    stories = synthetic(120, 2)
    scores = cross_validate(stories, ("title_frame_ai", "ai_title"), k=4)
    assert set(scores) == {s.id for s in stories}
    right = sum((scores[s.id] >= 0.5) == (s.label == "relevant") for s in stories)
    assert right / len(stories) > 0.85


def test_best_threshold_and_plain_logistic() -> None:
    assert best_threshold([(0.9, 1), (0.8, 1), (0.7, 0), (0.2, 0)]) == 0.8
    rows = [({"a": 1.0}, 1), ({"a": 0.0}, 0)] * 20
    model = fit_logistic(rows, ["a"], l2=1.0)
    assert model.weights["a"] > 0 and model.bias < 0


def test_shipped_model_covers_the_features_and_says_how_it_was_fitted() -> None:
    model = load_model()
    assert set(model.models) == {"headline", "article"}
    for m in model.models.values():
        assert set(m.weights) == set(FEATURES)
        assert 0.0 < m.meta["threshold"] < 1.0
    assert "fit_filter.py" in model.meta["command"]
    assert FilterModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model


@pytest.mark.parametrize(("year", "background"), [(2026, True), (2024, False), (None, True)])
def test_a_dated_deal_is_a_recap_only_before_the_articles_year(
    year: int | None, background: bool
) -> None:
    # Undated articles are read in the current year, which is after 2024 whenever this runs.
    text = (
        "The chief executive said the price was fair. "
        "Halvorsen Systems acquired Quillmark in 2024 to add language models to its AI products."
    )
    m = Matcher([load_default_watchlist()])
    (analysis,) = m.analyse("", text, year)
    assert analysis.kinds["deal"].frames[0].background is background
