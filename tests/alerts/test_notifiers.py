"""Each notifier against a real local server: fake Slack (Web API and incoming webhook),
aiosmtpd, a webhook receiver that checks the signature, and the console."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from alerts.channels import parse_channel
from alerts.console import ConsoleNotifier
from alerts.email import EmailNotifier
from alerts.errors import PermanentDeliveryError, TemporaryDeliveryError
from alerts.model import Notice
from alerts.registry import NOTIFIERS, build_notifier
from alerts.render import Digest
from alerts.slack import SlackNotifier
from alerts.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookNotifier, verify
from tests.alerts.conftest import WebhookReceiver, make_alert
from tests.servers.fake_slack import Answer, FakeSlack, error, rate_limited, server_error, slow
from tests.servers.smtp import SMTPServer, self_signed

INJECTION = "<!channel> <@U123> <https://evil|click>"


def slack_notifier(fake: FakeSlack, **extra: object) -> SlackNotifier:
    base = {"name": "s", "kind": "slack", "token": "xoxb-test", "channel": "#ai"}
    cfg = parse_channel(base | {"api_url": fake.api_url} | extra)
    notifier = build_notifier(cfg)
    assert isinstance(notifier, SlackNotifier)
    return notifier


def test_registry_is_explicit() -> None:
    assert set(NOTIFIERS) == {"slack", "email", "webhook", "console"}


async def test_slack_posts_block_kit_with_token(fake_slack: FakeSlack) -> None:
    notifier = slack_notifier(fake_slack)
    try:
        await notifier.send(make_alert(title=INJECTION))
    finally:
        await notifier.aclose()
    [call] = fake_slack.calls
    assert call.path == "/api/chat.postMessage"
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    body = call.body
    assert body["channel"] == "#ai"
    assert body["blocks"][0]["type"] == "header"
    assert "link_names" not in body and "parse" not in body
    raw = json.dumps(body)
    assert "<!channel>" not in raw and "<@U123>" not in raw
    assert "&lt;!channel&gt;" in body["text"]


async def test_slack_429_carries_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.script(rate_limited(7))
    notifier = slack_notifier(fake_slack)
    try:
        with pytest.raises(TemporaryDeliveryError) as info:
            await notifier.send(make_alert())
    finally:
        await notifier.aclose()
    assert info.value.retry_after == 7
    assert len(fake_slack.calls) == 1  # no hidden retry inside the notifier


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (server_error(), TemporaryDeliveryError),
        (error("internal_error"), TemporaryDeliveryError),
        (error("invalid_auth"), PermanentDeliveryError),
        (error("channel_not_found"), PermanentDeliveryError),
    ],
)
async def test_slack_errors_are_typed(fake_slack: FakeSlack, answer, kind) -> None:
    fake_slack.script(answer)
    notifier = slack_notifier(fake_slack)
    try:
        with pytest.raises(kind) as info:
            await notifier.send(make_alert())
    finally:
        await notifier.aclose()
    assert "xoxb-test" not in str(info.value)


async def test_slack_slow_answer_is_a_temporary_timeout(fake_slack: FakeSlack) -> None:
    fake_slack.script(slow(3))
    notifier = slack_notifier(fake_slack, timeout="0.5s")
    try:
        with pytest.raises(TemporaryDeliveryError, match="no answer"):
            await notifier.send(make_alert())
    finally:
        await notifier.aclose()


async def test_slack_incoming_webhook(fake_slack: FakeSlack) -> None:
    cfg = parse_channel({"name": "w", "kind": "slack", "webhook_url": fake_slack.webhook_url})
    notifier = build_notifier(cfg)
    try:
        await notifier.send(Digest("w", (make_alert(1), make_alert(2))))
        fake_slack.script(rate_limited(3))
        with pytest.raises(TemporaryDeliveryError) as info:
            await notifier.send(make_alert(3))
        fake_slack.script(Answer(404, {"ok": False}))
        with pytest.raises(PermanentDeliveryError):
            await notifier.send(make_alert(4))
    finally:
        await notifier.aclose()
    assert info.value.retry_after == 3
    assert fake_slack.calls[0].path == "/services/T000/B000/secret"
    assert fake_slack.calls[0].body["blocks"][0]["text"]["text"] == "Digest · 2 alerts"


def test_slack_config_needs_token_and_channel_or_webhook() -> None:
    with pytest.raises(ValueError, match="token"):
        parse_channel({"name": "s", "kind": "slack", "channel": "#x"})
    with pytest.raises(ValueError, match="either"):
        parse_channel(
            {
                "name": "s",
                "kind": "slack",
                "token": "t",
                "channel": "#x",
                "webhook_url": "https://h",
            }
        )
    with pytest.raises(ValueError, match="extra"):
        parse_channel({"name": "s", "kind": "slack", "token": "t", "channel": "#x", "tokn": 1})
    cfg = parse_channel({"name": "s", "kind": "slack", "token": "xoxb-secret", "channel": "#x"})
    assert "xoxb-secret" not in repr(cfg)


def email_notifier(url: str, **extra: object) -> EmailNotifier:
    cfg = parse_channel(
        {
            "name": "e",
            "kind": "email",
            "url": url,
            "from": "nw@example.com",
            "to": ["a@example.com", "b@example.com"],
            "timeout": "3s",
        }
        | extra
    )
    notifier = build_notifier(cfg)
    assert isinstance(notifier, EmailNotifier)
    return notifier


async def test_email_multipart_text_and_html(smtp_server: SMTPServer) -> None:
    notifier = email_notifier(smtp_server.url)
    await notifier.send(make_alert(title="Hello\r\nBcc: evil@example.com <b>x</b>"))
    [msg] = smtp_server.handler.messages
    assert msg["Bcc"] is None
    assert msg["Subject"].startswith("[newswatch] Deal · Meta → Scale AI · $14.3B")
    assert smtp_server.handler.envelopes[0].rcpt_tos == ["a@example.com", "b@example.com"]
    assert msg.get_content_type() == "multipart/alternative"
    parts = {p.get_content_type(): p.get_content() for p in msg.iter_parts()}
    assert "https://news.example.com/story/1" in parts["text/plain"]
    assert "&lt;b&gt;x&lt;/b&gt;" in parts["text/html"]


async def test_email_down_is_temporary_then_delivered() -> None:
    server = SMTPServer()  # port chosen, not started: connection refused
    notifier = email_notifier(server.url)
    with pytest.raises(TemporaryDeliveryError):
        await notifier.send(make_alert())
    with server:
        await notifier.send(make_alert())
        assert len(server.handler.messages) == 1


async def test_email_recipient_refusals(smtp_server: SMTPServer) -> None:
    notifier = email_notifier(smtp_server.url)
    smtp_server.handler.rcpt_reply = "550 5.1.1 no such user"
    with pytest.raises(PermanentDeliveryError, match="550"):
        await notifier.send(make_alert())
    smtp_server.handler.rcpt_reply = "451 4.3.0 try later"
    with pytest.raises(TemporaryDeliveryError, match="451"):
        await notifier.send(make_alert())


async def test_email_starttls_required_but_not_offered(smtp_server: SMTPServer) -> None:
    notifier = email_notifier(smtp_server.url, starttls="required")
    with pytest.raises(PermanentDeliveryError, match="STARTTLS"):
        await notifier.send(make_alert())


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_email_over_tls_verifies_the_certificate(tmp_path: Path, tls) -> None:
    cert, key = self_signed(tmp_path)
    with SMTPServer(tls=tls, cert=cert, key=key) as server:
        notifier = email_notifier(server.url, ca_file=str(cert), starttls="required")
        await notifier.send(make_alert())
        assert len(server.handler.messages) == 1
        # Without the CA the self-signed certificate is refused (retried: a server's certificate
        # gets fixed; the retry window ends it otherwise).
        untrusted = email_notifier(server.url)
        with pytest.raises(TemporaryDeliveryError, match=r"(?i)certificate"):
            await untrusted.send(make_alert())
        assert len(server.handler.messages) == 1


def test_email_config_validation() -> None:
    with pytest.raises(ValueError, match="SMTP URL"):
        email_notifier("http://x")
    with pytest.raises(ValueError, match="password"):
        email_notifier("smtp://u:p@host")
    with pytest.raises(ValueError, match="not an email"):
        email_notifier("smtp://host", to=["not-an-address"])
    assert email_notifier("smtps://host").config.port == 465


async def test_webhook_signed_json(webhook_receiver: WebhookReceiver) -> None:
    cfg = parse_channel(
        {"name": "h", "kind": "webhook", "url": webhook_receiver.url, "secret": "s3cret"}
    )
    notifier = build_notifier(cfg)
    assert isinstance(notifier, WebhookNotifier)
    try:
        await notifier.send(make_alert())
        webhook_receiver.statuses = [503, 429, 400]
        with pytest.raises(TemporaryDeliveryError):
            await notifier.send(make_alert())
        with pytest.raises(TemporaryDeliveryError) as info:
            await notifier.send(make_alert())
        with pytest.raises(PermanentDeliveryError):
            await notifier.send(make_alert())
    finally:
        await notifier.aclose()
    headers, body = webhook_receiver.requests[0]
    signature, timestamp = headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER]
    assert verify(body, "s3cret", signature, timestamp)
    assert not verify(body + b" ", "s3cret", signature, timestamp)
    # A replay: the same body and signature with another timestamp, or the old one later.
    assert not verify(body, "s3cret", signature, str(int(timestamp) + 1))
    assert not verify(body, "s3cret", signature, timestamp, now=int(timestamp) + 3600)
    assert webhook_receiver.json(0)["article"]["id"] == 1
    assert info.value.retry_after == 7


async def test_webhook_retry_after_as_an_http_date(webhook_receiver: WebhookReceiver) -> None:
    # RFC 9110 allows a date; the shared parser turns it into seconds from now.
    when = datetime.now(UTC) + timedelta(seconds=120)
    webhook_receiver.retry_after[503] = format_datetime(when, usegmt=True)
    webhook_receiver.statuses = [503]
    cfg = parse_channel({"name": "h", "kind": "webhook", "url": webhook_receiver.url})
    notifier = build_notifier(cfg)
    try:
        with pytest.raises(TemporaryDeliveryError) as info:
            await notifier.send(make_alert())
    finally:
        await notifier.aclose()
    assert info.value.retry_after is not None
    assert 100 < info.value.retry_after <= 120


async def test_webhook_unreachable_is_temporary(webhook_receiver: WebhookReceiver) -> None:
    url = webhook_receiver.url
    webhook_receiver.close()
    notifier = build_notifier(parse_channel({"name": "h", "kind": "webhook", "url": url}))
    try:
        with pytest.raises(TemporaryDeliveryError):
            await notifier.send(make_alert())
    finally:
        await notifier.aclose()


async def test_console_stdout_and_jsonl(tmp_path: Path) -> None:
    stream = io.StringIO()
    notifier = ConsoleNotifier(parse_channel({"name": "c", "kind": "console"}), stream=stream)
    await notifier.send(make_alert())
    assert "Deal · Meta → Scale AI" in stream.getvalue()
    path = tmp_path / "alerts.jsonl"
    jsonl = build_notifier(parse_channel({"name": "c", "kind": "console", "path": str(path)}))
    await jsonl.send(make_alert(1))
    await jsonl.send(Digest("c", (make_alert(2),)))
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["type"] for x in lines] == ["alert", "digest"]
    assert lines[0]["channel"] == "c"


async def test_every_notifier_sends_an_ops_notice(
    fake_slack: FakeSlack,
    smtp_server: SMTPServer,
    webhook_receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    text = "source techcrunch failing <!channel>\r\nBcc: x@example.com"
    notice = Notice(text=text, channel="ops")
    slack = slack_notifier(fake_slack)
    hook_cfg = {"name": "h", "kind": "webhook", "url": webhook_receiver.url}
    hook = build_notifier(parse_channel(hook_cfg))
    log = tmp_path / "ops.jsonl"
    console = build_notifier(parse_channel({"name": "c", "kind": "console", "path": str(log)}))
    try:
        for notifier in (slack, email_notifier(smtp_server.url), hook, console):
            await notifier.send(notice)
    finally:
        await slack.aclose()
        await hook.aclose()
    raw = json.dumps(fake_slack.calls[0].body)
    assert "<!channel>" not in raw and "&lt;!channel&gt;" in raw
    [msg] = smtp_server.handler.messages
    assert msg["Bcc"] is None
    assert msg["Subject"] == "[newswatch] notice: source techcrunch failing <!channel>"
    assert webhook_receiver.json(0) == {"type": "notice", "text": notice.text, "channel": "ops"}
    assert json.loads(log.read_text())["type"] == "notice"


async def test_slack_refused_blocks_fall_back_to_text_once(fake_slack: FakeSlack) -> None:
    fake_slack.script(error("invalid_blocks"))
    notifier = slack_notifier(fake_slack)
    try:
        await notifier.send(make_alert(title=INJECTION))
        fake_slack.script(error("invalid_blocks"), error("invalid_blocks"))
        with pytest.raises(PermanentDeliveryError, match="invalid_blocks"):
            await notifier.send(make_alert())
    finally:
        await notifier.aclose()
    first, second = fake_slack.calls[:2]
    assert "blocks" in first.body and "blocks" not in second.body
    assert second.body["text"].startswith("Deal · Meta → Scale AI")
    assert "<!channel>" not in second.body["text"]
    assert len(fake_slack.calls) == 4
