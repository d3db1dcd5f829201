"""Stories in the store, on SQLite and PostgreSQL: clustering real matcher output, the window,
the per-channel update modes, and the story and near-duplicate claims under concurrent writers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.article_store import ArticleRecord
from crawler.matching import Matcher, load_default_watchlist
from crawler.matching.types import Match
from scheduler.cli import main
from scheduler.store import Store, open_store
from scheduler.store.schema import deliveries, stories, story_articles
from tests.scheduler.story_reports import EVENTS, REPORTS, Report

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WATCHLIST = load_default_watchlist()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def matched() -> dict[str, list[Match]]:
    matcher = Matcher([WATCHLIST])
    return {r.slug: matcher.match(r.title, r.body, source=r.outlet) for r in REPORTS}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[Store]:
    s = open_store(db_url, clock=clock)
    s.configure_stories(updates={"slack": "thread", "mail": "none", "hook": "new"})
    try:
        yield s
    finally:
        s.close()


def record(
    r: Report, *, fingerprint: int | None = None, hours: float | None = None
) -> ArticleRecord:
    published = T0 + timedelta(hours=r.hours if hours is None else hours)
    return ArticleRecord(
        source=r.outlet,
        url=f"https://{r.outlet}.example/{r.slug}",
        fetched_url=f"https://{r.outlet}.example/{r.slug}",
        title=r.title,
        text=r.body,
        # Distinct, far-apart fingerprints: these are rewrites, not syndicated copies.
        fingerprint=fingerprint if fingerprint is not None else hash(r.slug) & 0x7FFF_FFFF_FFFF,
        content_hash=r.slug,
        published=published,
    )


def save_all(store: Store, clock: Clock, matched: dict[str, list[Match]]) -> dict[str, int]:
    routes = {WATCHLIST.name: ["slack", "mail", "hook"]}
    story_of: dict[str, int] = {}
    for r in sorted(REPORTS, key=lambda r: r.hours):
        clock.now = T0 + timedelta(hours=r.hours)
        result = store.save_article(record(r), matched[r.slug], routes)
        assert result.created and result.story_id is not None
        story_of[r.slug] = result.story_id
    return story_of


def test_reports_cluster_into_their_events(
    store: Store, clock: Clock, matched: dict[str, list[Match]]
) -> None:
    story_of = save_all(store, clock, matched)
    by_label: dict[str, set[int]] = {}
    for r in REPORTS:
        by_label.setdefault(r.story, set()).add(story_of[r.slug])
    # Every event is one story, and no two events share one (Raman/Okafor, Lumora/Tessellate).
    assert all(len(ids) == 1 for ids in by_label.values()), by_label
    assert len({next(iter(ids)) for ids in by_label.values()}) == len(by_label)
    with store.engine.connect() as conn:
        lumora = conn.execute(
            select(stories).where(stories.c.id == story_of["nvidia-lumora-a"])
        ).one()
        material = dict(
            conn.execute(select(story_articles.c.article_id, story_articles.c.material)).all()
        )
    assert lumora.outlets == ["wire", "bytes", "techdaily"]
    assert lumora.articles == 4
    assert lumora.title.startswith("Nvidia agrees to acquire")  # the first, earliest report
    assert "completed" in lumora.seen["statuses"] and "agreed" in lumora.seen["statuses"]
    assert sum(1 for m in material.values() if m) == 1  # only "completes" changes the story


def test_alerts_per_story_and_channel_modes(
    store: Store, clock: Clock, matched: dict[str, list[Match]]
) -> None:
    story_of = save_all(store, clock, matched)
    with store.engine.connect() as conn:
        rows = conn.execute(select(deliveries)).all()
    by_channel: dict[str, list[object]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)
    earnings = {story_of[r.slug] for r in REPORTS if not r.matches}
    assert not [r for r in rows if r.story_id in earnings]  # earnings alert nobody
    for channel in ("slack", "mail", "hook"):
        new = [r for r in by_channel[channel] if r.event == "new"]
        assert len(new) == len(EVENTS)
        assert len({r.story_id for r in new}) == len(EVENTS)
    assert len(by_channel["mail"]) == len(EVENTS)  # "none": later reports send nothing
    slack_updates = [r for r in by_channel["slack"] if r.event == "update"]
    parents = {r.story_id: r.id for r in by_channel["slack"] if r.event == "new"}
    assert len(slack_updates) == 6
    assert all(r.parent_id == parents[r.story_id] for r in slack_updates)
    assert [r.material for r in slack_updates].count(True) == 1
    hook_updates = [r for r in by_channel["hook"] if r.event == "update"]
    assert len(hook_updates) == 6 and all(r.parent_id is None for r in hook_updates)


def test_story_window(store: Store, clock: Clock, matched: dict[str, list[Match]]) -> None:
    first, later = REPORTS[0], REPORTS[1]
    assert first.story == later.story
    a = store.save_article(record(first), matched[first.slug], {})
    store.configure_stories(window=timedelta(hours=24))
    clock.now = T0 + timedelta(hours=25)
    b = store.save_article(record(later, hours=25), matched[later.slug], {})
    assert a.story_id != b.story_id


def test_story_claim_across_writers(db_url: str, matched: dict[str, list[Match]]) -> None:
    """Two stores (two engines: as two processes) save reports of one event at the same moment:
    they still form one story, every time."""
    clock = Clock()
    one, two = open_store(db_url, clock=clock), open_store(db_url, clock=clock)
    try:
        pairs = [(REPORTS[0], REPORTS[1]), (REPORTS[5], REPORTS[6]), (REPORTS[3], REPORTS[4])]
        for round_ in range(3):
            for a, b in pairs:
                barrier = threading.Barrier(2)
                results: dict[str, int | None] = {}

                def save(
                    s: Store,
                    r: Report,
                    tag: str,
                    barrier: threading.Barrier = barrier,
                    results: dict[str, int | None] = results,
                    suffix: str = f"/{round_}",
                ) -> None:
                    barrier.wait()
                    rec = record(r)
                    rec = replace(rec, url=rec.url + suffix)
                    results[tag] = s.save_article(rec, matched[r.slug], {}).story_id

                threads = [
                    threading.Thread(target=save, args=(one, a, "a")),
                    threading.Thread(target=save, args=(two, b, "b")),
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                assert results["a"] == results["b"], (round_, a.slug, b.slug)
            clock.now += timedelta(days=4)  # next round: old stories out of the window
    finally:
        one.close()
        two.close()


def test_near_duplicate_claim_in_the_save(store: Store, matched: dict[str, list[Match]]) -> None:
    """A copy stored by another writer after the crawl's own check is linked, not stored."""
    r = REPORTS[0]
    first = store.save_article(record(r, fingerprint=0x1234_5678), matched[r.slug], {})
    copy = replace(record(r, fingerprint=0x1234_5679), url="https://x.example/copy")
    again = store.save_article(copy, matched[r.slug], {}, near_duplicate_bits=3)
    assert not again.created and again.article_id == first.article_id
    assert store.seen_urls(["https://x.example/copy"]) == {"https://x.example/copy"}


def test_rematch_moves_an_article_to_the_story_it_now_reports(
    store: Store, clock: Clock, matched: dict[str, list[Match]]
) -> None:
    """Stored unmatched (an old watchlist), matched by a rematch: it joins its event's story."""
    a, b = REPORTS[0], REPORTS[1]
    first = store.save_article(record(a), matched[a.slug], {})
    clock.now += timedelta(hours=1)
    second = store.save_article(record(b), [], {})
    assert second.story_id != first.story_id
    moved = store.add_matches(second.article_id, matched[b.slug], {})
    assert moved.story_id == first.story_id
    assert store.story_of_articles([second.article_id]) == {second.article_id: first.story_id}
    with store.engine.connect() as conn:
        left = conn.execute(select(stories.c.id).where(stories.c.id == second.story_id)).first()
        joined = conn.execute(select(stories).where(stories.c.id == first.story_id)).one()
    assert left is None  # its old one-article story is gone
    assert joined.articles == 2 and joined.outlets == ["wire", "techdaily"]
    # Rematched again with the same matches: it stays where it is.
    again = store.add_matches(second.article_id, matched[b.slug], {})
    assert again.story_id == first.story_id


def test_stories_and_matches_commands(
    tmp_path: Path, matched: dict[str, list[Match]], capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "nw.db"
    config = tmp_path / "newswatch.toml"
    config.write_text(f'[service]\ndatabase_url = "sqlite:///{db}"\n', encoding="utf-8")
    clock = Clock()
    with open_store(f"sqlite:///{db}", clock=clock) as s:
        story = save_all(s, clock, matched)
    assert main(["stories", "--config", str(config), "--since", "3650d", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(listed) == len(EVENTS)  # stories nothing matched are left out
    lumora = next(x for x in listed if x["story_id"] == story["nvidia-lumora-a"])
    assert [a["source"] for a in lumora["articles"]] == ["wire", "bytes", "wire", "techdaily"]
    assert lumora["outlets"] == ["wire", "bytes", "techdaily"]
    assert main(["stories", "--config", str(config), "--since", "3650d", "--all"]) == 0
    text = capsys.readouterr().out
    assert text.count("outlets:") == len({r.story for r in REPORTS})
    assert "[status completed]" in text
    assert main(["matches", "--config", str(config), "--since", "3650d", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["story_id"] for r in rows} == {story[r.slug] for r in REPORTS if r.matches}
