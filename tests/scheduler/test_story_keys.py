"""The pure parts of story clustering: names, MinHash signatures and the same-event rules."""

from __future__ import annotations

from scheduler.story_keys import (
    Facts,
    band_keys,
    material,
    merge_seen,
    same_event,
    same_name,
    shingles,
    signature,
    similarity,
)


def test_names() -> None:
    assert same_name("Scale AI", "Scale") and same_name("Alexandr Wang", "Wang")
    assert same_name("Meta Platforms Inc.", "Meta")
    assert not same_name("Priya Raman", "Daniel Okafor") and not same_name(None, "Meta")


def test_signatures_estimate_jaccard_and_band_alike_texts() -> None:
    lead = "Nvidia agrees to acquire AI inference startup Lumora for 900 million dollars"
    body = "The chipmaker said on Monday the deal would close next quarter after approvals"
    a = signature(shingles(lead, body))
    assert similarity(a, signature(shingles(lead, body))) == 1.0
    assert similarity(a, signature(shingles("City council approves bike lanes", "Budget"))) < 0.1
    close = signature(shingles(lead, body + " according to a statement"))
    assert similarity(a, close) > 0.6
    assert set(band_keys(a)) & set(band_keys(close))  # an LSH candidate


def test_same_event_rules() -> None:
    raman = Facts("hiring", "Meta", "Priya Raman")
    okafor = Facts("hiring", "Meta", "Daniel Okafor")
    assert not same_event(raman, okafor, 0.9)  # Meta hires A; Meta hires B: two stories
    agreed = Facts("deal", "Nvidia", "Lumora", "agreed")
    done = Facts("both", "Nvidia", "Lumora Inc", "completed")
    assert same_event(done, agreed, 0.0)  # a status change is the same story
    rival = Facts("deal", "AMD", "Lumora")
    assert not same_event(rival, agreed, 0.0)
    recap = Facts("deal", "Nvidia", "Lumora", in_title=False)  # only in another story's body
    assert not same_event(recap, agreed, 0.1) and same_event(recap, agreed, 0.5)
    unnamed = Facts("hiring", "Meta", None)
    assert same_event(unnamed, raman, 0.35) and not same_event(unnamed, raman, 0.1)
    assert not same_event(None, agreed, 0.55) and same_event(None, agreed, 0.7)
    assert same_event(None, None, 0.5) and not same_event(None, None, 0.4)
    swapped = Facts("both", "Sam Altman", "OpenAI")
    assert same_event(swapped, Facts("hiring", "OpenAI", "Sam Altman"), 0.0)


def test_material_updates() -> None:
    seen = merge_seen({}, Facts("deal", "Nvidia", "Lumora", "agreed", (9e8,), ("Nvidia", "Lumora")))
    assert material(Facts("deal", "Nvidia", "Lumora", "completed"), seen) == ["status completed"]
    assert material(Facts("deal", "Nvidia", "Lumora", "agreed", (9e8,)), seen) == []
    assert material(Facts("deal", "Nvidia", "Lumora", None, (1.1e9,)), seen) == ["amount 1.1e+09"]
    newcomer = Facts("deal", "Nvidia", "Lumora", parties=("Nvidia", "SoftBank"))
    assert material(newcomer, seen) == ["party SoftBank"]
    assert material(None, seen) == []
