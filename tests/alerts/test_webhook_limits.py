"""The webhook notifier keeps every POST within its ``body_maxlen``: long article text is cut, a
huge digest drops its last alerts, and the body stays valid, signed JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from alerts.channels import parse_channel
from alerts.render import Digest
from alerts.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookNotifier, verify
from crawler.matching.types import Evidence
from tests.alerts.conftest import T0, WebhookReceiver, make_alert

MB = 1 << 20


@pytest.fixture(scope="module")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    # One receiver for the module: each one costs half a second to shut down.
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def notifier(receiver: WebhookReceiver) -> WebhookNotifier:
    cfg = parse_channel({"name": "h", "kind": "webhook", "url": receiver.url, "secret": "s"})
    return WebhookNotifier(cfg)  # type: ignore[arg-type]


async def test_a_megabyte_title_and_sentence_are_cut_to_the_limit(
    webhook_receiver: WebhookReceiver,
) -> None:
    alert = make_alert(title="Meta buys " + "x" * MB)
    match = replace(alert.matches[0], evidence=(Evidence("Meta said " + "y" * MB),))
    alert = replace(alert, matches=(match,))
    hook = notifier(webhook_receiver)
    try:
        await hook.send(alert)
    finally:
        await hook.aclose()
    headers, body = webhook_receiver.requests[-1]
    assert len(body) <= hook.body_maxlen
    data = json.loads(body)
    assert data["truncated"] is True
    assert (
        data["article"]["title"].startswith("Meta buys x") and data["article"]["title"][-1] == "…"
    )
    assert data["matches"][0]["evidence"][0]["text"].startswith("Meta said y")
    assert data["article"]["url"] == alert.url  # links are never cut
    assert verify(body, "s", headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])


async def test_a_small_alert_is_sent_untouched(webhook_receiver: WebhookReceiver) -> None:
    hook = notifier(webhook_receiver)
    try:
        await hook.send(make_alert())
    finally:
        await hook.aclose()
    assert "truncated" not in json.loads(webhook_receiver.requests[-1][1])


def test_a_huge_digest_drops_its_last_alerts(webhook_receiver: WebhookReceiver) -> None:
    alerts = tuple(make_alert(i, title=f"Story {i} " + "z" * 2000) for i in range(1000))
    digest = Digest(channel="h", alerts=alerts, since=T0, until=T0)
    hook = notifier(webhook_receiver)
    body = hook.body(digest)
    assert len(body) <= hook.body_maxlen
    data = json.loads(body)
    assert data["count"] == 1000 and data["truncated"] is True
    assert 0 < len(data["alerts"]) < 1000
    assert data["omitted"] == 1000 - len(data["alerts"])
    assert data["alerts"][0]["article"]["id"] == 0  # the first alerts are the ones kept
