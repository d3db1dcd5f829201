"""The main event: what a story is about, as numeric features of its frames and competing frames.

For each event kind (deal, hiring) the frames of the title and the body are weighed by where they
stand and what they say, and the most prominent one becomes the *main frame*: the one the alert
headline names. The story's features describe that frame (parties found, AI angle, negative cue,
background recap, status), how many distinct hires or deals the story reports, and what else the
title and the lede are about (a venture round, a partnership, layoffs, earnings, a lawsuit, a
launch, a supply contract, a share sale, opinion). :mod:`crawler.matching.scoring` turns them into a
calibrated score with weights fitted on labelled news.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.matching.compiler import COMPETE, ENTITY, FOCUS, CompiledWatchlist, vocabulary_index
from crawler.matching.descriptors import mentions_ai
from crawler.matching.event_frame import LEDE_SENTENCES, Frame
from crawler.matching.scan import Field
from crawler.matching.story_cues import OPINION_OPENERS

# "no_body" is in every row too: it chooses the model (headline or article), it is not weighed.
FEATURES: tuple[str, ...] = (
    "is_hiring",
    "title_frame_ai",
    "lede_frame_ai",
    "distinct_ai_targets",
    "main_parties",
    "main_watched",
    "main_negative",
    "main_background",
    "negative_share",
    "ai_title",
    "ai_lede",
    "funding_title",
    "strategic",
    "partner_title",
    "compete_title",
    "compete_lede",
    "opinion_title",
    "status_talks",
    "person",
    "both",
    "main_prominence",
    "ai_frames",
    "main_repeated",
    "title_names_parties",
    "senior_role",
    "story_events",
    "spree",
    "linked_hire",
    "main_depth",
)
_PROMINENCE = {"title": 1.0, "lede": 0.8, "early": 0.5, "late": 0.3}
_OTHER_COMPETING = frozenset(("layoffs", "earnings", "lawsuit", "launch", "contract", "share-sale"))


@dataclass(slots=True)
class KindAnalysis:
    """One event kind's frames in a story, its main frame and its features."""

    kind: str
    frames: list[Frame]
    main: Frame | None
    features: dict[str, float]


def _named_in(text: str, name: str) -> bool:
    """Whether ``name`` (or its first word, "Databricks" for "Databricks Inc") is in ``text``."""
    return name in text or name.split()[0] in text


def prominence(frame: Frame) -> float:
    """How strongly one frame claims to be the story's main event."""
    value = _PROMINENCE[frame.position] * frame.strength
    # A hire names a person, or a post and where the hire comes from ("names its founder CTO",
    # "hires a key OpenAI researcher").
    someone = frame.target is not None or (
        frame.kind == "hiring" and (frame.senior or frame.origin is not None)
    )
    value *= 1.0 if someone else 0.6
    value *= 1.0 if frame.actor is not None else 0.85
    value *= 1.0 if frame.ai else 0.5
    if frame.negative:
        value *= 0.4
    if frame.background:
        value *= 0.5
    return value


@dataclass(slots=True)
class StoryContext:
    """What the title and the lede say besides the frames, for one watchlist's story."""

    ai_title: bool
    ai_lede: bool
    competing_title: frozenset[str]
    competing_lede: frozenset[str]
    opinion_title: bool
    no_body: bool
    focus_starts: dict[str, list[int]]
    events: int = 0  # frames of any kind that name a party, outside background recaps
    linked: bool = False  # a hire comes from the company of a deal in the same story
    kinds_with_events: int = 0  # how many event kinds (deal, hiring) have such a frame


def story_context(
    title: Field, body: Field, cw: CompiledWatchlist, angle: tuple[bool, bool]
) -> StoryContext:
    """The title's and the lede's AI angle (``angle``: :func:`ai_angle`) and competing frames."""
    vi = vocabulary_index(cw.reading)
    ai_title, ai_lede = angle
    # What else the title and the lede are about is the same for every watchlist. (Kept on the
    # body: a teaser's headline is also read with an empty body, and so without a lede.)
    comp_title, comp_lede, opinion = body.once("competing", lambda: _competing(title, body))
    return StoryContext(
        ai_title=ai_title,
        ai_lede=ai_lede,
        competing_title=comp_title,
        competing_lede=comp_lede,
        opinion_title=opinion,
        no_body=not body.text.strip(),
        focus_starts={"title": focus_starts(title, vi), "body": focus_starts(body, vi)},
    )


def ai_angle(title: Field, body: Field, cw: CompiledWatchlist) -> tuple[bool, bool]:
    """Whether the title, and the lede, have an AI angle for ``cw``: they say AI (a focus term)
    or name one of its AI-native (core) companies. Without a focus, every story has one."""
    if cw.watchlist.focus is None:
        return True, True
    vi = vocabulary_index(cw.reading)
    # What the focus terms say is the same for every watchlist of the vocabulary (on the body:
    # a teaser's headline is also read with an empty body).
    ai_title, ai_lede, lede_end = body.once(("ai_focus", vi), lambda: _ai_focus(title, body, vi))
    if cw.core and not ai_title:
        ai_title = any(
            h.category == ENTITY and h.payload in cw.core for h in title.hits.get(cw.index, ())
        )
    if cw.core and not ai_lede:
        ai_lede = any(
            h.category == ENTITY and h.payload in cw.core and h.start < lede_end
            for h in body.hits.get(cw.index, ())
        )
    return ai_title, ai_lede


def _ai_focus(title: Field, body: Field, vi: int) -> tuple[bool, bool, int]:
    lede_end = _lede_end(body)
    ai_lede = any(x < lede_end for x in focus_starts(body, vi))
    return bool(focus_starts(title, vi)), ai_lede, lede_end


def focus_starts(f: Field, vi: int) -> list[int]:
    """Where the focus terms of the vocabulary ``vi`` stand in ``f`` (found once per article)."""
    return f.once(
        ("focus", vi), lambda: sorted(h.start for h in f.hits.get(vi, ()) if h.category == FOCUS)
    )


def _competing(title: Field, body: Field) -> tuple[frozenset[str], frozenset[str], bool]:
    """The competing frames of the title and of the lede, and whether the title is opinion."""
    lede_end = _lede_end(body)
    comp_title = frozenset(
        h.payload
        for h in title.shared
        if h.category == COMPETE and not _describes_company(title.text, h.end)
    )
    comp_lede = frozenset(
        h.payload
        for h in body.shared
        if h.category == COMPETE and h.start < lede_end and not _describes_company(body.text, h.end)
    )
    first = title.text.strip().split(" ", 1)[0].lower() if title.text.strip() else ""
    opinion = (
        first in OPINION_OPENERS or title.text.rstrip().endswith("?") or "opinion" in comp_title
    )
    return comp_title, comp_lede, opinion


# A competing word that describes a company is no competing event: "Contract management startup
# ContractPodAI nabs $115M", "Edge compute maker SiMa.ai hires".
_COMPANY_AFTER = re.compile(
    r"(?:[\s-]+[a-z][\w-]*){0,2}\s+(?:startup|start-up|maker|company|firm|provider|platform|"
    r"developer|specialist|vendor|giant|leader)s?\b"
)


def _describes_company(text: str, end: int) -> bool:
    return _COMPANY_AFTER.match(text, end) is not None


def _lede_end(body: Field) -> int:
    return body.lede_end(LEDE_SENTENCES) if body.text else 0


def settle_ai(frames: list[Frame], ctx: StoryContext, title: Field, body: Field) -> None:
    """Decide, once per story, which frames are about AI (before anything is counted)."""
    for fr in frames:
        if fr.form == "round" and ctx.ai_title:
            fr.ai = True  # the company raising the round is the title's subject
    # A target is about AI when any mention of it says so ("Neeva, the AI search startup"):
    # every frame about it shares that.
    ai_names: dict[str, bool] = {}
    for fr in frames:
        if fr.target is not None and fr.ai:
            ai_names[fr.target.name] = True
    for fr in frames:
        if fr.ai:
            continue
        # A hire is about AI when the hirer, the person or the company they come from is (the
        # founder of the AI startup a stake was just bought in); a deal when its target is.
        hiring = fr.kind == "hiring"
        for p in (fr.target, fr.actor if hiring else None, fr.origin if hiring else None):
            if p is None:
                continue
            if p.name not in ai_names:
                ai_names[p.name] = mentions_ai(
                    body, p.name, ctx.focus_starts["body"]
                ) or mentions_ai(title, p.name, ctx.focus_starts["title"])
            fr.ai = fr.ai or ai_names[p.name]


def count_events(ctx: StoryContext, frames: list[Frame]) -> None:
    """Record in ``ctx`` how many events the story reports, and of how many kinds."""
    # Only events about AI count: a deal spree in security software is not what is watched.
    named = [
        fr
        for fr in frames
        if (fr.actor is not None or fr.target is not None) and not fr.background and fr.ai
    ]
    ctx.events = len({(fr.kind, fr.target.name if fr.target else fr.sentence) for fr in named})
    ctx.kinds_with_events = len({fr.kind for fr in named})
    # A stake or a purchase and the hire of the target's people: an acqui-hire in all but name.
    targets = {fr.target.name for fr in named if fr.kind == "deal" and fr.target is not None}
    ctx.linked = any(
        fr.kind == "hiring" and fr.origin is not None and fr.origin.name in targets
        for fr in frames
        if not fr.background
    )


def analyse(
    kind: str, frames: list[Frame], ctx: StoryContext, title: Field, body: Field
) -> KindAnalysis:
    """The features of one event kind in a story."""
    x = dict.fromkeys(FEATURES, 0.0)
    x["is_hiring"] = float(kind == "hiring")
    x["no_body"] = float(ctx.no_body)
    x["ai_title"] = float(ctx.ai_title)
    x["ai_lede"] = float(ctx.ai_lede)
    x["funding_title"] = float("funding" in ctx.competing_title)
    x["partner_title"] = float("partnership" in ctx.competing_title)
    x["compete_title"] = float(bool(ctx.competing_title & _OTHER_COMPETING))
    x["compete_lede"] = float(bool(ctx.competing_lede & _OTHER_COMPETING))
    x["opinion_title"] = float(ctx.opinion_title)
    if not frames:
        return KindAnalysis(kind, frames, None, x)
    main = max(frames, key=lambda fr: (prominence(fr), -fr.sentence))
    x["title_frame_ai"] = float(any(fr.ai and fr.position == "title" for fr in frames))
    x["lede_frame_ai"] = float(any(fr.ai and fr.position == "lede" for fr in frames))
    ai_targets = {fr.target.name for fr in frames if fr.target and fr.ai and not fr.background}
    x["distinct_ai_targets"] = min(3, len(ai_targets)) / 3
    # Parties found count for an event about AI; an AI-heavy buyer's security deal is not one.
    x["main_parties"] = (
        ((main.actor is not None) + (main.target is not None)) / 2 * (1.0 if main.ai else 0.3)
    )
    x["main_watched"] = float(main.watched)
    x["main_negative"] = float(main.negative)
    x["main_background"] = float(main.background)
    x["negative_share"] = sum(fr.negative for fr in frames) / len(frames)
    x["status_talks"] = float(main.status in ("talks", "rumoured"))
    x["person"] = float(
        kind == "hiring" and (main.role or (main.target is not None and main.target.person))
    )
    x["both"] = float(any(fr.both for fr in frames))
    x["senior_role"] = float(main.senior)
    # A feature about a talent-and-deal spree reports many events, of both kinds.
    x["story_events"] = min(6, ctx.events) / 6
    x["spree"] = float(ctx.kinds_with_events > 1 and ctx.events >= 3)
    x["linked_hire"] = float(ctx.linked)
    x["strategic"] = float(
        any(
            (fr.form == "round" or fr.verb == "strategic investment") and not fr.background
            for fr in frames
        )
    )
    x["main_prominence"] = prominence(main)
    # How far into the body the main event sits, as a share of the body (0 in the headline).
    x["main_depth"] = main.start / len(body.text) if main.field == "body" and body.text else 0.0
    x["ai_frames"] = (
        min(5, sum(1 for fr in frames if fr.ai and fr.target and not fr.background)) / 5
    )
    same = sum(
        1 for fr in frames if main.target and fr.target and fr.target.name == main.target.name
    )
    x["main_repeated"] = min(4, same) / 4
    # Whether the headline names a party of an event told only in the body: a feature about
    # that company, or an essay that recalls a deal between others. (A headline's own frame is
    # weighed by main_parties: counting its parties here too made the two features fight.)
    named = [p for p in (main.actor, main.target) if p is not None]
    if main.field == "body" and named:
        x["title_names_parties"] = float(any(_named_in(title.text, p.name) for p in named))
    return KindAnalysis(kind, frames, main, x)
