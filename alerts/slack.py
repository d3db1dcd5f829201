"""Slack notifier: ``chat.postMessage`` through slack-sdk's ``AsyncWebClient`` (bot token and
channel), or an incoming-webhook URL, with Block Kit and an escaped plain-text fallback.

No slack-sdk retry handlers are installed: a retry that sleeps inside the notifier would hold the
channel and its outbox lease, so every failure is turned into a typed error at once and the
outbox schedules the retry (a 429's ``Retry-After`` travels as
``TemporaryDeliveryError.retry_after``).
The message never sets ``link_names`` or ``parse``, and every mrkdwn object is ``verbatim``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import aiohttp

from alerts.channels import SlackChannel
from alerts.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from alerts.model import Alert, Notice
from alerts.render import Digest, notice_text
from alerts.render_slack import SlackRender, slack_escape
from alerts.slack_buttons import feedback_block
from crawler.retry_after import retry_after_of

log = logging.getLogger(__name__)

# Error codes a retry may get past; any other ``ok: false`` answer is permanent.
TEMPORARY_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)


# Answers that mean "these blocks", not "this message": retried once as plain text.
BLOCK_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long"})


def _quiet_sdk_logger() -> logging.Logger:
    # slack-sdk formats debug lines (with the webhook URL, a credential) whenever its logger's own
    # level is NOTSET; a logger pinned at WARNING keeps secrets out of logs and saves the CPU.
    sdk_log = logging.getLogger("newswatch.slack_sdk")
    sdk_log.setLevel(logging.WARNING)
    return sdk_log


def classify(
    status: int | None,
    error: str | None,
    headers: Mapping[str, str] | None,
    channel: str,
    slack_channel: str | None = None,
) -> DeliveryError:
    """Turn a failed Slack answer into a temporary or permanent delivery error."""
    retry_after = retry_after_of(headers)
    if error and status and status != 200:
        what = f"slack: {error} (HTTP {status})"
    elif error:
        what = f"slack: {error}"
    else:
        what = f"slack: HTTP {status}"
    if error == "not_in_channel":
        # The most common first-day failure: the app exists but was never added to the channel.
        where = slack_channel or "the channel"
        what += f": invite the bot to {where} (/invite @your-app there)"
    if status == 429 or error in ("ratelimited", "rate_limited"):
        return TemporaryDeliveryError(what, retry_after=retry_after, channel=channel)
    if status is not None and status >= 500:
        return TemporaryDeliveryError(what, retry_after=retry_after, channel=channel)
    if error in TEMPORARY_ERRORS:
        return TemporaryDeliveryError(what, retry_after=retry_after, channel=channel)
    return PermanentDeliveryError(what, channel=channel)


def _ref(response: Any) -> str | None:
    """``"<channel id> <ts>"`` of a posted message: what a thread reply (and an edit) needs."""
    data = getattr(response, "data", None)
    if not isinstance(data, dict):
        return None
    channel, ts = data.get("channel"), data.get("ts")
    return f"{channel} {ts}" if isinstance(channel, str) and isinstance(ts, str) else None


def _unthreadable_echo(alert: Alert) -> bool:
    story = alert.story
    return (
        story is not None
        and story.event == "update"
        and story.threaded
        and not story.thread
        and not story.parent_failed
        and not story.material
    )


class SlackNotifier:
    """Posts alerts to one Slack channel."""

    kind: ClassVar[str] = "slack"
    # Slack's limits, in characters (blocks_max: blocks per message); rendering truncates to them.
    header_max: ClassVar[int] = 150
    section_max: ClassVar[int] = 3000
    blocks_max: ClassVar[int] = 50
    button_url_max: ClassVar[int] = 3000
    fallback_max: ClassVar[int] = 3000
    link_label_max: ClassVar[int] = 300
    link_url_max: ClassVar[int] = 2000

    def __init__(self, config: SlackChannel) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None
        self._client: Any = None
        self._webhook: Any = None

    def _ensure_session(self) -> aiohttp.ClientSession:
        # The session must be created inside the running loop, so it is built on first use.
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.config.timeout.total_seconds())
            self._session = aiohttp.ClientSession(timeout=timeout, trust_env=False)
            self._client = None
            self._webhook = None
        return self._session

    def _web_client(self) -> Any:
        from slack_sdk.web.async_client import AsyncWebClient

        session = self._ensure_session()
        if self._client is None:
            assert self.config.token is not None
            self._client = AsyncWebClient(
                token=self.config.token.get_secret_value(),
                base_url=str(self.config.api_url),
                timeout=max(int(self.config.timeout.total_seconds()), 1),
                session=session,
                retry_handlers=[],
                logger=_quiet_sdk_logger(),
            )
        return self._client

    def _webhook_client(self) -> Any:
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        session = self._ensure_session()
        if self._webhook is None:
            assert self.config.webhook_url is not None
            self._webhook = AsyncWebhookClient(
                url=self.config.webhook_url.get_secret_value(),
                timeout=max(int(self.config.timeout.total_seconds()), 1),
                session=session,
                retry_handlers=[],
                logger=_quiet_sdk_logger(),
            )
        return self._webhook

    def payload(self, message: Alert | Digest | Notice) -> dict[str, Any]:
        """The message arguments (text fallback + blocks) for ``message``; a later report of a
        story threaded under its first message gets the reply's arguments (``thread_ts``, and
        ``reply_broadcast`` for a material update)."""
        render = SlackRender(self)
        thread = self._thread_of(message)
        if isinstance(message, Alert) and thread is not None:
            text, blocks = render.reply_fallback(message), render.reply_blocks(message)
        elif isinstance(message, Alert):
            text, blocks = render.fallback(message), render.blocks(message, self._buttons(message))
        elif isinstance(message, Notice):
            text, blocks = slack_escape(notice_text(message)), render.notice_blocks(message)
        else:
            text, blocks = render.digest_fallback(message), render.digest_blocks(message)
        payload: dict[str, Any] = {
            "text": text,
            "blocks": blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if isinstance(message, Alert) and thread is not None:
            payload["channel"], payload["thread_ts"] = thread
            if message.story is not None and message.story.material:
                payload["reply_broadcast"] = True
        if self.config.username:
            payload["username"] = self.config.username
        if self.config.icon_emoji:
            payload["icon_emoji"] = self.config.icon_emoji
        return payload

    def _buttons(self, alert: Alert) -> dict[str, Any] | None:
        """The feedback buttons of an alert posted on its own, when someone listens to them."""
        if not self.config.feedback_buttons:
            return None
        return feedback_block(alert, self.config.name, self.config.mute_for)

    def _thread_of(self, message: Alert | Digest | Notice) -> tuple[str, str] | None:
        """(channel id, ts) of the story's first message when ``message`` replies under it."""
        story = message.story if isinstance(message, Alert) else None
        if story is None or story.event != "update" or not story.threaded or not story.thread:
            return None  # a first report, or the parent failed: an alert of its own
        channel, _, ts = story.thread.partition(" ")
        return (channel, ts) if channel and ts and self.config.webhook_url is None else None

    async def send(self, message: Alert | Digest | Notice) -> str | None:
        """Post ``message``; raise a typed :class:`DeliveryError` when Slack did not take it.

        Returns ``"<channel id> <ts>"`` of a message posted through the Web API (a story's
        later reports reply in its thread), None through an incoming webhook.

        A later report that should reply in a thread it cannot reach (its parent went out
        through an incoming webhook, or folded into a storm message: no ``ts``) and that
        changes nothing is not posted: a second alert for the same event is the noise threads
        exist to avoid. A material update is posted as an alert of its own.
        """
        if isinstance(message, Alert) and _unthreadable_echo(message):
            return None
        payload = self.payload(message)
        try:
            if self.config.webhook_url is not None:
                await self._send_webhook(payload)
                return None
            return await self._send_web_api(payload)
        except DeliveryError:
            raise
        except TimeoutError as exc:
            raise TemporaryDeliveryError(
                f"slack: no answer within {self.config.timeout.total_seconds():g}s",
                channel=self.config.name,
            ) from exc
        except aiohttp.ClientError as exc:
            raise TemporaryDeliveryError(
                f"slack: {type(exc).__name__}: {exc}", channel=self.config.name
            ) from exc

    async def _send_web_api(self, payload: dict[str, Any]) -> str | None:
        from slack_sdk.errors import SlackApiError

        client = self._web_client()
        payload = {"channel": self.config.channel, **payload}
        try:
            return _ref(await client.chat_postMessage(**payload))
        except SlackApiError as exc:
            error, failure = self._api_failure(exc)
            if error not in BLOCK_ERRORS:
                raise failure from exc
        # Slack refused our blocks (a limit we did not know about): an alert in plain text
        # beats no alert, so send the escaped fallback text alone once.
        log.warning(
            "channel %s: Slack refused the blocks (%s); sending text only", self.config.name, error
        )
        plain = {k: v for k, v in payload.items() if k != "blocks"}
        try:
            return _ref(await client.chat_postMessage(**plain))
        except SlackApiError as exc:
            raise self._api_failure(exc)[1] from exc

    def _api_failure(self, exc: Exception) -> tuple[str | None, DeliveryError]:
        """(Slack's error code, the typed error) of a ``SlackApiError``."""
        response = getattr(exc, "response", None)
        # The response is an AsyncSlackResponse, or aiohttp's response for a non-JSON body.
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        headers = getattr(response, "headers", None)
        data = getattr(response, "data", None)
        error = data.get("error") if isinstance(data, dict) else None
        return error, classify(status, error, headers, self.config.name, self.config.channel)

    async def _send_webhook(self, payload: dict[str, Any]) -> None:
        client = self._webhook_client()
        body = {k: v for k, v in payload.items() if k in ("text", "blocks", "unfurl_links")}
        response = await client.send_dict(body)
        if response.status_code == 200:
            return
        error = (response.body or "").strip()[:100] or None
        raise classify(response.status_code, error, response.headers, self.config.name)

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        self._client = None
        self._webhook = None
