"""The matcher: case and word-boundary rules, Unicode, negative cues, amounts, roles, scoring."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from crawler.matching import (
    Entity,
    Match,
    Matcher,
    Watchlist,
    default_watchlist_path,
    load_default_watchlist,
)
from crawler.matching.text import find_amounts, normalize, split_sentences


@pytest.fixture(scope="module")
def default() -> Matcher:
    return Matcher([load_default_watchlist()])


def small(**extra: object) -> Watchlist:
    data: dict[str, object] = {
        "name": "small",
        "focus": {"builtin": "ai"},
        "entity": [
            {"name": "Meta", "aliases": ["Meta Platforms", "Facebook"], "case_sensitive": ["Meta"]},
            {"name": "OpenAI", "core": True},
            {"name": "Scale AI", "aliases": ["Scale"], "case_sensitive": ["Scale"], "core": True},
            {"name": "Google"},
            {"name": "Wiz", "core": True},
            {"name": "Alexandr Wang", "type": "person", "org": "Scale AI"},
        ],
    }
    data.update(extra)
    return Watchlist.model_validate(data)


def one(matcher: Matcher, title: str, text: str = "") -> Match | None:
    found = matcher.match(title, text)
    assert len(found) <= 1
    return found[0] if found else None


def entity_names(matcher: Matcher, title: str) -> set[str]:
    (ex,) = matcher.explain(title, "")
    return {h.detail for h in ex.hits if h.category == "entity"}


# ----------------------------------------------------------------------------- text basics


def test_normalize_keeps_length_and_drops_punctuation() -> None:
    text = "Meta’s “AI” acqui‑hire — €500M, naïve İstanbul"
    norm = normalize(text)
    assert len(norm) == len(text)
    assert norm.startswith("meta s  ai  acqui hire")
    assert "naïve" in norm


def test_sentences_split_on_punctuation_and_paragraphs() -> None:
    s = split_sentences('It closed. "Quoted," he said. U.S. officials agreed!\n\nNew paragraph')
    assert [s.sentence(i) for i in range(len(s))] == [
        "It closed.",
        '"Quoted," he said.',
        "U.S. officials agreed!",
        "New paragraph",
    ]


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("for $14.3 billion in cash", 14.3e9, "USD"),
        ("a €500M round", 500e6, "EUR"),
        ("worth 1.5 bn", 1.5e9, "XXX"),
        ("£2bn deal", 2e9, "GBP"),
        ("paid $300,000", 300_000.0, "USD"),
        ("up to $100B", 100e9, "USD"),
        ("USD 2.5 million", 2.5e6, "USD"),
        ("4 billion dollars", 4e9, "USD"),
    ],
)
def test_amounts(text: str, value: float, currency: str) -> None:
    ((amount, (start, end)),) = find_amounts(text)
    assert amount.value == pytest.approx(value)
    assert amount.currency == currency
    assert text[start:end] == amount.text


def test_plain_numbers_are_not_amounts() -> None:
    assert find_amounts("Meta bought 1 GW of solar; 100 times; 2.5 percent") == []


# ----------------------------------------------------------------------------- entity hits


def test_case_sensitive_alias() -> None:
    m = Matcher([small()])
    assert "Meta" in entity_names(m, "Meta hires an AI researcher")
    assert "Meta" not in entity_names(m, "meta hires an AI researcher")
    assert "Meta" not in entity_names(m, "META hires an AI researcher")
    # A case-insensitive alias of the same entity still matches in any case.
    assert "Meta" in entity_names(m, "FACEBOOK hires an AI researcher")


def test_word_boundaries() -> None:
    m = Matcher([small()])
    assert entity_names(m, "The Metaverse and MetaX are not Meta") == {"Meta"}
    assert entity_names(m, "Metaverse, ScaleX and Googled") == set()
    (ex,) = m.explain("He said it again and again", "")
    assert not [h for h in ex.hits if h.text.lower() == "ai"]


def test_possessives_hyphens_and_unicode_punctuation() -> None:
    m = Matcher([small()])
    assert entity_names(m, "Meta's deal") == {"Meta"}
    assert entity_names(m, "Meta’s deal") == {"Meta"}
    assert entity_names(m, "An OpenAI‑backed startup") == {"OpenAI"}  # non-breaking hyphen
    assert entity_names(m, "Scale\u00a0AI and OpenAI—Meta") == {"Scale AI", "OpenAI", "Meta"}
    match = one(m, "OpenAI’s latest acqui‑hire brings an AI team")
    assert match is not None and match.kind == "both"


def test_hit_spans_point_into_the_original_text() -> None:
    m = Matcher([small()])
    title = "Meta’s “stake”: Scale AI"
    (ex,) = m.explain(title, "")
    texts = {h.text for h in ex.hits}
    assert {"Meta", "Scale AI", "Scale", "stake", "AI"} <= texts


# ----------------------------------------------------------------------------- decisions


@pytest.mark.parametrize(
    "title",
    [
        "Meta hires key OpenAI researcher to work on AI reasoning models",
        "OpenAI acquires AI device startup for $6.5B",
        "Meta in talks to invest billions in Scale AI",
        "Meta poaches OpenAI researchers with $100M offers",
        "OpenAI raises $40B in a funding round led by SoftBank",  # a strategic investor leads
    ],
)
def test_events_match(title: str) -> None:
    assert one(Matcher([small()]), title) is not None


@pytest.mark.parametrize(
    ("title", "why"),
    [
        ("Meta pauses AI hiring after its poaching spree", "hiring freeze"),
        ("Meta cuts 600 AI jobs; layoffs hit the AI unit after it hired staff", "layoffs"),
        ("Meta bought 1 GW of solar for its AI data centers", "asset, not a company"),
        ("OpenAI raises $40B in a funding round led by Thrive Capital", "venture round"),
        ("OpenAI signs AI licensing deal with publisher", "licensing deal"),
        ("Google to acquire a security startup", "no AI angle"),
        ("OpenAI ships a new AI model", "no event"),
        ("Meta acquires a games studio", "no AI angle"),
    ],
)
def test_non_events_do_not_match(title: str, why: str) -> None:
    assert one(Matcher([small()]), title) is None, why


def test_negative_cue_lowers_the_score() -> None:
    m = Matcher([small(min_score=0.0)])
    (plain,) = m.explain("Meta hires OpenAI researchers", "")
    (negated,) = m.explain("Meta hires OpenAI researchers, then a hiring freeze", "")
    assert negated.score < plain.score
    assert any("negative" in line for line in negated.frames)


def test_weak_cue_needs_context() -> None:
    m = Matcher([small()])
    assert one(m, "Meta taps OpenAI to power its glasses") is None
    match = one(m, "Meta taps former OpenAI director to lead its AI lab")
    assert match is not None and match.kind == "hiring"


def test_focus_requires_an_ai_angle() -> None:
    m = Matcher([small()])
    assert one(m, "Google to buy Wiz for $32B to beef up in cloud security") is not None  # core
    assert one(m, "Google to buy a payments startup") is None
    assert one(m, "Google to buy an AI payments startup") is not None


# ----------------------------------------------------------------------------- what a match says


def test_match_carries_kind_roles_amounts_evidence() -> None:
    wl = small(notify=["slack-deals"])
    match = one(
        Matcher([wl]),
        "Meta invests $14.3B in Scale AI, hires CEO Alexandr Wang",
        "Meta Platforms said on Thursday it would invest $14.3 billion in Scale AI. "
        "Alexandr Wang will join Meta to lead a new AI lab.",
    )
    assert match is not None
    assert match.watchlist == "small"
    assert match.notify == ("slack-deals",)
    assert match.kind == "both"
    assert 0.5 <= match.score <= 1.0
    roles = {e.name: e.role for e in match.entities}
    assert roles == {"Meta": "investor", "Scale AI": "target", "Alexandr Wang": "person"}
    assert {(a.value, a.currency) for a in match.amounts} == {(14.3e9, "USD")}
    assert 1 <= len(match.evidence) <= 3
    first = match.evidence[0]
    assert first.field == "title"
    marked = [first.text[a:b] for a, b in first.spans]
    assert marked == ["Meta", "invests", "$14.3B", "Scale AI", "hires", "Alexandr Wang"]
    for ev in match.evidence:
        for a, b in ev.spans:
            assert 0 <= a < b <= len(ev.text)
    assert Match.from_dict(match.to_dict()) == match


WANG = "Alexandr Wang"


@pytest.mark.parametrize(
    ("title", "roles"),
    [
        ("Google acquires AI startup Wiz", {"Google": "acquirer", "Wiz": "target"}),
        ("Wiz acquired by Google in AI push", {"Google": "acquirer", "Wiz": "target"}),
        ("Google's acquisition of AI firm Wiz closes", {"Google": "acquirer", "Wiz": "target"}),
        ("Scale AI confirms investment from Meta", {"Meta": "investor", "Scale AI": "target"}),
        ("Meta hires Alexandr Wang to run its AI lab", {"Meta": "hirer", WANG: "person"}),
        ("Alexandr Wang joins Meta as chief AI officer", {"Meta": "hirer", WANG: "person"}),
        ("OpenAI-backed Wiz acquires an AI startup", {"OpenAI": None, "Wiz": "acquirer"}),
        ("Google approached Wiz about an AI acquisition", {"Google": "acquirer", "Wiz": "target"}),
        (
            "Google and Meta acquire AI firm Wiz",
            {"Google": "acquirer", "Meta": "acquirer", "Wiz": "target"},
        ),
    ],
)
def test_roles(title: str, roles: dict[str, str | None]) -> None:
    match = one(Matcher([small()]), title)
    assert match is not None
    assert {e.name: e.role for e in match.entities} == roles


def test_title_hire_beats_a_passing_mention() -> None:
    m = Matcher([small(min_score=0.0)])
    filler = " ".join(f"Sentence {i} is about the new glasses and the battery." for i in range(12))
    (headline,) = m.explain(
        "Meta hires key OpenAI researcher to lead AI reasoning work",
        "Meta has hired a senior OpenAI researcher. " + filler,
    )
    (passing,) = m.explain(
        "Meta unveils new smart glasses",
        filler + " Separately, Meta hired an OpenAI researcher last year.",
    )
    assert headline.score > passing.score
    assert headline.score >= 0.5
    assert passing.score < 0.5
    assert (
        Matcher([small()]).match(
            "Meta unveils new smart glasses",
            filler + " Separately, Meta hired an OpenAI researcher last year.",
        )
        == []
    )


def test_lead_beats_late_body_and_repetition_adds() -> None:
    m = Matcher([small(min_score=0.0)])
    filler = " ".join(f"Sentence {i} covers the market." for i in range(10))
    (lead,) = m.explain("AI news", "OpenAI acquires AI startup Foo. " + filler)
    (late,) = m.explain("AI news", filler + " OpenAI acquires AI startup Foo.")
    (twice,) = m.explain(
        "AI news", "OpenAI acquires AI startup Foo. The acquisition gives OpenAI a team. " + filler
    )
    assert lead.score > late.score
    assert twice.score > lead.score


def test_background_recap_is_discounted() -> None:
    m = Matcher([small(min_score=0.0)])
    (news,) = m.explain("OpenAI acquires AI startup Foo", "")
    (recap,) = m.explain("Weeks after acquiring AI startup Foo, OpenAI ships a model", "")
    assert recap.score < 0.5 <= news.score


# ----------------------------------------------------------------------------- filters and plumbing


def test_source_filter_and_max_age() -> None:
    wl = small(sources={"include": ["techcrunch*"], "exclude": ["techcrunch-events"]}, max_age="2d")
    m = Matcher([wl])
    title = "OpenAI acquires AI startup Foo"
    assert m.match(title, "", source="techcrunch")
    assert m.match(title, "")  # no source given: not filtered
    assert not m.match(title, "", source="verge")
    assert not m.match(title, "", source="techcrunch-events")
    now = datetime.now(UTC)
    assert m.match(title, "", published=now - timedelta(days=1))
    assert not m.match(title, "", published=now - timedelta(days=3))
    (ex,) = m.explain(title, "", source="verge")
    assert not ex.matched and "not watched" in ex.reason


def test_several_watchlists_in_one_automaton() -> None:
    a = small(name="a", notify=["one"])
    b = Watchlist.model_validate(
        {"name": "b", "topics": ["hiring"], "entity": [{"name": "Google"}], "notify": ["two"]}
    )
    m = Matcher([a, b])
    found = {x.watchlist: x for x in m.match("Google hires OpenAI researcher to lead AI lab", "")}
    assert set(found) == {"a", "b"}
    assert found["b"].notify == ("two",)
    assert [x.watchlist for x in m.match("OpenAI acquires AI startup Foo", "")] == ["a"]


def test_pickle_and_threads() -> None:
    m = Matcher([small()])
    clone = pickle.loads(pickle.dumps(m))
    title = "Meta hires key OpenAI researcher"
    assert clone.match(title, "") == m.match(title, "")
    articles = [(f"Meta hires OpenAI researcher {i}", "") for i in range(50)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda a: m.match(*a), articles))
    assert all(len(r) == 1 for r in results)


def test_explain_lists_hits_and_score_parts() -> None:
    (ex,) = Matcher([small()]).explain("Meta hires OpenAI researcher", "")
    assert ex.matched and ex.match is not None
    categories = {h.category for h in ex.hits}
    assert {"entity", "cue", "context"} <= categories
    assert any(line.startswith("hiring 'hires' in title: Meta") for line in ex.frames)
    assert any(c.startswith("hiring: main frame") for c in ex.components)
    assert any(c.startswith("hiring: score") and "sigmoid" in c for c in ex.components)
    assert ex.to_dict()["match"]["kind"] == "hiring"


def test_empty_input_is_no_match() -> None:
    m = Matcher([small()])
    assert m.match("", "") == []
    (ex,) = m.explain("", "")
    assert ex.score == 0.0 and not ex.matched


# ---------------------------------------------------------------------------- the default watchlist


def test_default_watchlist_is_shipped_and_large() -> None:
    path = default_watchlist_path()
    assert path.name == "default_watchlist.toml" and path.is_file()
    wl = load_default_watchlist()
    assert wl.name == "ai-talent-and-deals"
    assert len(wl.entities) >= 200
    names = {e.name for e in wl.entities}
    assert {"OpenAI", "Anthropic", "Meta", "Nvidia", "Scale AI", "Perplexity"} <= names
    sensitive = {a for e in wl.entities for a in e.case_sensitive}
    assert {"Meta", "Apple", "Scale", "Perplexity", "Mistral"} <= sensitive


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Meta acquires AI audio startup WaveForms", "deal"),
        ("Anthropic hires new CTO with focus on AI infrastructure", "hiring"),
        ("With its latest acqui-hire, OpenAI is doubling down on consumer AI", "both"),
        ("Nvidia buys $5B stake in Intel, planning AI chip collaboration", "deal"),
    ],
)
def test_default_watchlist_flags(default: Matcher, title: str, kind: str) -> None:
    match = one(default, title)
    assert match is not None and match.kind == kind


@pytest.mark.parametrize(
    "title",
    [
        "Google to buy carbon credits from massive Amazonian reforestation project",
        "Report: Meta is hitting pause on AI hiring after its poaching spree",
        "Anthropic raises $13B Series F at $183B valuation",
        "OpenAI and Amazon ink $38B cloud computing deal",
        "Apple launches a new iPad Air with M3 chip",
    ],
)
def test_default_watchlist_ignores(default: Matcher, title: str) -> None:
    assert one(default, title) is None


def test_full_text_article(default: Matcher) -> None:
    body = (
        "SAN FRANCISCO — OpenAI has agreed to acquire Statsig, a product testing startup, for "
        "$1.1 billion in an all-stock deal, the company said on Tuesday.\n\n"
        "Statsig's founder will become OpenAI's CTO of applications. The deal is subject to "
        "regulatory review.\n\n"
        "OpenAI, which raised $40 billion earlier this year, has been on an acquisition spree. "
        "Analysts said the deal fits its push into AI applications."
    )
    # Statsig is no AI company, so the deal alone is not enough; the story is read right all
    # the same: with every score let through, the match names the parties and the money.
    everything = Matcher([load_default_watchlist().model_copy(update={"min_score": 0.0})])
    match = one(everything, "OpenAI to buy Statsig for $1.1B, names its founder CTO", body)
    assert match is not None
    assert match.kind == "both"
    assert match.event is not None and match.event.status == "agreed"
    assert {(a.value, a.currency) for a in match.amounts} >= {(1.1e9, "USD")}
    roles = {e.name: e.role for e in match.entities}
    assert roles.get("OpenAI") == "acquirer"
    assert roles.get("Statsig") == "target"


def test_full_text_background_mention_only(default: Matcher) -> None:
    body = (
        "Meta on Wednesday unveiled a new pair of smart glasses with a display. "
        "The glasses cost $799 and go on sale next month. "
        "They pair with a wristband that reads muscle signals. "
        "Reviewers praised the battery life. "
        "The company showed the glasses at its Connect conference. "
        "Developers will get access to an SDK later this year. "
        "The display sits in the right lens. "
        "Meta said sales of its earlier glasses tripled. "
        "Meta, which acquired a stake in EssilorLuxottica last year, makes the Ray-Ban frames. "
        "The company also hired an OpenAI researcher in 2023."
    )
    assert one(default, "Meta unveils smart glasses with a display", body) is None


def test_cost_does_not_depend_on_alias_count() -> None:
    """Extra aliases change the automaton, not the answer for articles that do not name them."""
    base = small()
    extra = base.model_copy(
        update={
            "entities": (
                *base.entities,
                *(Entity(name=f"Synthetic {i}", aliases=(f"Zq{i} Labs",)) for i in range(2000)),
            )
        }
    )
    m1, m2 = Matcher([base]), Matcher([extra])
    assert m2.pattern_count > m1.pattern_count + 3000
    title, body = "Meta hires key OpenAI researcher", "Meta said the researcher starts Monday."
    assert m1.match(title, body) == m2.match(title, body)


@pytest.mark.parametrize(
    "title",
    [
        "Nvidia CEO Jensen Huang offers a glimpse of Rubin chips",
        "OpenAI CEO Sam Altman named to Time 100 list",
        "Meta's chief AI scientist joins panel on AI safety",
        "Microsoft CEO Satya Nadella goes to Davos to talk AI",
        "Amazon's AI team joins forces with Anthropic on new model",
        "OpenAI signs a deal with the company behind Reddit to license data",
    ],
)
def test_an_incumbent_title_is_not_a_hire(default: Matcher, title: str) -> None:
    assert one(default, title) is None


@pytest.mark.parametrize(
    ("title", "roles"),
    [
        ("Windsurf's CEO goes to Google", {"Google": "hirer"}),
        ("Statsig founder joins OpenAI to lead AI applications", {"OpenAI": "hirer"}),
        ("Cohere names former Meta research head its chief AI officer", {"Cohere": "hirer"}),
        ("OpenAI buys Statsig, names its founder CTO", {"OpenAI": "acquirer"}),
    ],
)
def test_moves_and_appointments(default: Matcher, title: str, roles: dict[str, str]) -> None:
    match = one(default, title)
    assert match is not None
    found = {e.name: e.role for e in match.entities}
    assert roles.items() <= found.items()


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "Nvidia posts record revenue as AI demand soars",
            "Nvidia reported record quarterly revenue on Wednesday. The chipmaker said demand for "
            "its AI chips remains strong. Nvidia has invested in OpenAI and xAI, and its CEO said "
            "it would keep backing AI startups. Shares rose 4% in after-hours trading.",
        ),
        (
            "OpenAI launches GPT-5",
            "OpenAI launched GPT-5 on Thursday, its most capable AI model yet. OpenAI, backed by "
            "Microsoft with $13 billion in investment, said the model is available to all users.",
        ),
        (
            "Meta AI app tops charts",
            "Meta's AI assistant app hit number one in the App Store this week. The surge follows "
            "Meta's hiring spree, in which it poached dozens of researchers from OpenAI last "
            "summer. Meta said 1 billion people use Meta AI monthly.",
        ),
    ],
)
def test_full_text_recaps_are_background(default: Matcher, title: str, body: str) -> None:
    assert one(default, title, body) is None


def test_full_text_deal_with_staff_joining(default: Matcher) -> None:
    match = one(
        default,
        "Microsoft to acquire AI coding startup for $1.5B",
        "Microsoft said on Tuesday it agreed to acquire Acme Code, an AI coding startup, for $1.5 "
        "billion. The deal is expected to close in the first quarter. Acme Code's 80 engineers "
        "will join Microsoft's GitHub unit.",
    )
    assert match is not None and match.kind == "both"
    assert match.amounts[0].value == 1.5e9
