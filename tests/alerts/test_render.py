"""Rendering: the lead line, Slack Block Kit shape and limits, injection titles, email safety."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from alerts.channels import parse_channel
from alerts.email import EmailNotifier
from alerts.errors import PermanentDeliveryError
from alerts.render import Digest, alert_json, lead_line, sample_alert
from alerts.render_email import email_html, email_subject
from alerts.render_slack import SlackRender, slack_escape
from alerts.slack import SlackNotifier, classify
from crawler.matching.types import EntityRef, Event, Evidence
from tests.alerts.conftest import make_alert

SLACK = SlackRender(SlackNotifier)  # the limits the notifier renders with
SLACK_BLOCKS_MAX = SlackNotifier.blocks_max
SLACK_HEADER_MAX = SlackNotifier.header_max
SLACK_SECTION_MAX = SlackNotifier.section_max

INJECTION = "<!channel> <@U123> <https://evil|click>"


def _all_text(blocks: list[dict]) -> list[str]:
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return out


def _mrkdwn_objects(blocks: list[dict]) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def test_lead_line_puts_kind_parties_and_amount_first() -> None:
    assert lead_line(make_alert()) == "Deal · Meta → Scale AI · $14.3B"
    hiring = make_alert()
    match = replace(
        hiring.matches[0],
        kind="hiring",
        amounts=(),
        entities=(
            EntityRef("OpenAI", "hirer"),
            EntityRef("Jane Doe", "person"),
            EntityRef("Google", None),
        ),
    )
    assert lead_line(replace(hiring, matches=(match,))) == "Hiring · OpenAI → Jane Doe"
    unroled = replace(match, entities=(EntityRef("Mistral"), EntityRef("Nvidia")))
    assert lead_line(replace(hiring, matches=(unroled,))) == "Hiring · Mistral, Nvidia"


def test_lead_line_names_the_main_event() -> None:
    """The filter's main frame heads the alert: the real acquirer and target, what the target
    is, how far the deal got, and the money."""
    alert = make_alert()
    event = Event("deal", "Zendesk", "Cleverly.ai", "AI support automation", "agreed")
    match = replace(alert.matches[0], event=event)
    assert lead_line(replace(alert, matches=(match,))) == (
        "Deal · Zendesk → Cleverly.ai (AI support automation) · agreed · $14.3B"
    )
    hire = replace(
        match, kind="hiring", amounts=(), event=Event("hiring", "Meta", "Ann Li", origin="OpenAI")
    )
    assert lead_line(replace(alert, matches=(hire,))) == "Hiring · Meta → Ann Li from OpenAI"


def test_block_kit_shape_and_fallback() -> None:
    alert = make_alert()
    blocks = SLACK.blocks(alert)
    assert [b["type"] for b in blocks] == ["header", "section", "section", "context", "actions"]
    assert blocks[0]["text"] == {
        "type": "plain_text",
        "text": "Deal · Meta → Scale AI · $14.3B",
        "emoji": False,
    }
    assert blocks[1]["text"]["text"] == (
        "*<https://news.example.com/story/1|Meta invests $14.3B in Scale AI and hires its CEO "
        "Alexandr Wang>*"
    )
    # Parties and the amount are emphasised inside the quoted evidence; the cue is not.
    assert blocks[2]["text"]["text"].startswith(
        "> *Meta* will invest *$14.3 billion* in *Scale AI*"
    )
    assert "example-news" in blocks[3]["elements"][0]["text"]
    assert "watchlist ai-deals" in blocks[3]["elements"][0]["text"]
    # Why it matched: the kind, the parties with their roles, the score.
    why = blocks[3]["elements"][1]["text"]
    assert why.startswith("why: deal · Meta (investor), Scale AI (target)"), why
    assert "score 0." in why
    assert blocks[4]["elements"][0]["url"] == "https://news.example.com/story/1"
    assert all(obj["verbatim"] is True for obj in _mrkdwn_objects(blocks))
    fallback = SLACK.fallback(alert)
    assert fallback.startswith("Deal · Meta → Scale AI")
    assert "https://news.example.com/story/1" in fallback


def test_injection_title_renders_literally_in_slack() -> None:
    alert = make_alert(title=INJECTION)
    blocks = SLACK.blocks(alert)
    escaped = "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt;"
    assert escaped in blocks[1]["text"]["text"]
    for text in [*_all_text(blocks), SLACK.fallback(alert)]:
        assert "<!channel>" not in text
        assert "<@U123>" not in text
        assert "<https://evil" not in text
    assert slack_escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"


def test_non_http_url_is_not_linked() -> None:
    blocks = SLACK.blocks(make_alert(url="javascript:alert(1)"))
    assert "javascript" not in json.dumps(blocks)
    assert blocks[-1]["type"] == "context"  # no button either


def test_slack_limits_truncate_never_fail() -> None:
    alert = make_alert(title="T" * 10_000, watchlist="w" * 5000)
    blocks = SLACK.blocks(alert)
    assert len(blocks[0]["text"]["text"]) <= SLACK_HEADER_MAX
    for obj in _mrkdwn_objects(blocks):
        assert len(obj["text"]) <= SLACK_SECTION_MAX
    many = Digest("c", tuple(make_alert(i, "x" * 400, watchlist=f"w{i}") for i in range(300)))
    dblocks = SLACK.digest_blocks(many)
    assert len(dblocks) <= SLACK_BLOCKS_MAX
    for obj in _mrkdwn_objects(dblocks):
        assert len(obj["text"]) <= SLACK_SECTION_MAX
    assert "more" in dblocks[-1]["elements"][0]["text"]


def test_digest_groups_by_watchlist() -> None:
    alerts = tuple(make_alert(i, watchlist=w) for i, w in ((1, "a"), (2, "b"), (3, "a")))
    blocks = SLACK.digest_blocks(Digest("c", alerts))
    assert blocks[0]["text"]["text"] == "Digest · 3 alerts"
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].startswith("*a* (2)") and sections[0].count("•") == 2
    assert sections[1].startswith("*b* (1)")


def test_email_subject_strips_crlf_and_html_is_escaped() -> None:
    alert = make_alert(title="Big news\r\nBcc: victim@example.com <script>x</script>")
    subject = email_subject(alert, "[nw]", EmailNotifier.subject_max)
    assert "\r" not in subject and "\n" not in subject
    assert subject.startswith("[nw] Deal · Meta")
    html = email_html(alert)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>Meta</strong>" in html


def test_alert_json_round_trips_matches() -> None:
    data = alert_json(make_alert())
    assert data["article"]["url"] == "https://news.example.com/story/1"
    assert data["matches"][0]["amounts"][0]["value"] == 14.3e9
    json.dumps(data)


def test_bidi_override_characters_never_reach_slack_or_email_subjects() -> None:
    import random

    bidi = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
    rng = random.Random(9)
    for _ in range(200):  # fuzzed titles: bidi characters anywhere among ordinary text
        chars = [rng.choice([*bidi, "a", "Z", " ", "<", "&", "é", "\u05d0"]) for _ in range(40)]
        alert = make_alert(title="".join(chars))
        subject = email_subject(alert, "", EmailNotifier.subject_max)
        rendered = subject + SLACK.fallback(alert) + json.dumps(SLACK.blocks(alert))
        decoded = json.loads(json.dumps(rendered))
        assert not any(ch in decoded for ch in bidi)
        assert not any(f"\\u{ord(ch):04x}" in json.dumps(SLACK.blocks(alert)) for ch in bidi)


def test_the_title_is_not_quoted_again_as_evidence() -> None:
    alert = make_alert()
    (match,) = alert.matches
    title_ev = Evidence(alert.title, spans=((0, 4),), field="title")
    repeat = Evidence(alert.title + ".", spans=(), field="body")
    alert = replace(alert, matches=(replace(match, evidence=(*match.evidence, repeat, title_ev)),))
    blocks = SLACK.blocks(alert)
    quotes = [b["text"]["text"] for b in blocks if b["type"] == "section"][1:]
    assert len(quotes) == 1 and quotes[0].startswith("> *Meta* will invest"), quotes


def test_email_subject_is_short_and_filterable() -> None:
    channel = parse_channel(
        {
            "name": "AI_deals",
            "kind": "email",
            "url": "smtp://127.0.0.1:1",
            "from": "nw@example.com",
            "to": ["team@example.com"],
        }
    )
    notifier = EmailNotifier(channel)
    msg = notifier.build_message(make_alert(title="A headline " * 12))
    assert len(msg["Subject"]) <= 78, msg["Subject"]
    assert msg["Subject"].startswith("[newswatch] Deal · Meta → Scale AI")
    assert msg["List-Id"] == "newswatch AI_deals <ai-deals.newswatch.localhost>"
    assert msg["X-Newswatch-Watchlist"] == "ai-deals"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "why: deal · Meta (investor), Scale AI (target), Alexandr Wang (person)" in text


def test_slack_not_in_channel_says_to_invite_the_bot() -> None:
    error = classify(200, "not_in_channel", None, "deals", "#ai-deals")
    assert isinstance(error, PermanentDeliveryError)
    assert "invite the bot to #ai-deals" in str(error)


def test_the_test_alert_is_a_plain_alert_published_now() -> None:
    alert = sample_alert()
    assert "<!" not in alert.title and "literal" not in alert.title
    assert alert.published is not None
    assert abs((datetime.now(UTC) - alert.published).total_seconds()) < 60
