"""Hearing Slack's feedback buttons over Socket Mode: one websocket per app token, on the service's
asyncio loop, so no public endpoint is needed.

:class:`FeedbackListener` opens slack-sdk's aiohttp Socket Mode client for each distinct app token
of the channels that have one. Every envelope is acknowledged at once (Slack wants it within 3 s),
before anything is checked or stored. A press is accepted only when it is an ``interactive``
envelope carrying a ``block_actions`` payload from the team the channel's bot token belongs to
(``auth.test`` at start), with one of our action ids, a value we can parse naming one of this
token's channels, and an envelope id not seen before (a bounded in-memory set; the store refuses
replays too). Anything else is refused with one log line and a count (``on_result``) and changes
nothing. An accepted press becomes a :class:`~alerts.feedback.FeedbackEvent` stored through
:meth:`~alerts.feedback.FeedbackStore.record_feedback` in a thread, and the message is then
edited with ``chat.update``: the alert kept, a line saying who did what, the moot buttons gone.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

from alerts.channels import SlackChannel
from alerts.feedback import FeedbackEvent, FeedbackOutcome, FeedbackStore
from alerts.slack import _quiet_sdk_logger
from alerts.slack_buttons import (
    SNOOZE_ALERT,
    ButtonValue,
    action_of,
    press_line,
    updated_blocks,
    user_mention,
)

log = logging.getLogger(__name__)

# What became of an envelope: "accepted", or why it was refused (the metric's label values).
RESULTS: Final = (
    "accepted",
    "malformed",
    "not_interactive",
    "not_block_actions",
    "replay",
    "unknown_action",
    "bad_value",
    "unknown_channel",
    "foreign_team",
    "refused_by_store",
    "store_error",
)
SEEN_MAX: Final = 10_000  # envelope ids remembered against replays (Slack retries within minutes)
RETRY_FIRST: Final = 5.0  # seconds before reopening a connection Slack refused, doubling...
RETRY_MAX: Final = 300.0  # ...up to this
CLOSE_GRACE: Final = 5.0  # seconds presses in progress get to finish at shutdown


def utc_now() -> datetime:
    return datetime.now(UTC)


class Refused(Exception):
    """An envelope we do not act on: ``result`` is its label, the message says why."""

    def __init__(self, result: str, why: str) -> None:
        super().__init__(why)
        self.result = result


class _Socket(SocketModeClient):
    """slack-sdk's client, refusing text that is no JSON object before its own parser sees it
    (which would log a traceback and drop it unseen)."""

    on_garbage: Callable[[str], None] | None = None

    async def enqueue_message(self, message: str) -> None:
        try:
            ok = isinstance(json.loads(message), dict)
        except (ValueError, TypeError):
            ok = False
        if not ok:
            if self.on_garbage is not None:
                self.on_garbage(message)
            return
        await super().enqueue_message(message)


@dataclass
class _Channel:
    """One newswatch channel heard on a connection: its config, its bot's client and team."""

    config: SlackChannel
    web: AsyncWebClient
    session: aiohttp.ClientSession
    team: str | None = None


@dataclass
class _Connection:
    """One app token's websocket and the channels whose buttons it hears."""

    app_token: str
    api_url: str
    channels: dict[str, _Channel] = field(default_factory=dict)
    client: _Socket | None = None
    task: asyncio.Task[None] | None = None
    # Envelope ids seen on this connection (Slack numbers them per app), oldest first.
    seen: OrderedDict[str, None] = field(default_factory=OrderedDict)


class FeedbackListener:
    """Hears the feedback buttons of ``channels`` (those with an app token) and stores presses
    in ``store``; :meth:`start` on the running loop, :meth:`aclose` at shutdown."""

    def __init__(
        self,
        channels: Iterable[SlackChannel],
        store: FeedbackStore,
        *,
        on_result: Callable[[str], None] | None = None,
        now: Callable[[], datetime] = utc_now,
        seen_max: int = SEEN_MAX,
        ping_interval: float = 5.0,
    ) -> None:
        self.store = store
        self.on_result = on_result or (lambda result: None)
        self.now = now
        self.seen_max = seen_max
        self.ping_interval = ping_interval
        self._configs = self.wanted(channels)
        self._connections: list[_Connection] = []
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._closed = False

    @staticmethod
    def wanted(channels: Iterable[object]) -> list[SlackChannel]:
        """The channels whose buttons a listener would hear (enabled Slack, with an app token)."""
        return [
            c for c in channels if isinstance(c, SlackChannel) and c.enabled and c.feedback_buttons
        ]

    @property
    def connections(self) -> int:
        return len(self._connections)

    async def start(self) -> None:
        """Open one connection per distinct (app token, API URL); returns at once (the
        connections open in the background, and retry while Slack refuses them)."""
        by_token: dict[tuple[str, str], _Connection] = {}
        for config in self._configs:
            assert config.app_token is not None and config.token is not None
            key = (config.app_token.get_secret_value().strip(), str(config.api_url))
            conn = by_token.setdefault(key, _Connection(*key))
            session = aiohttp.ClientSession()
            web = AsyncWebClient(
                token=config.token.get_secret_value(),
                base_url=str(config.api_url),
                timeout=max(int(config.timeout.total_seconds()), 1),
                session=session,
                retry_handlers=[],
                logger=_quiet_sdk_logger(),
            )
            conn.channels[config.name] = _Channel(config, web, session)
        for conn in by_token.values():
            self._connections.append(conn)
            conn.task = asyncio.ensure_future(self._run(conn))

    async def _run(self, conn: _Connection) -> None:
        """Learn each channel's team, then open the websocket (slack-sdk reconnects it)."""
        for channel in conn.channels.values():
            await self._learn_team(channel)
        web = AsyncWebClient(
            base_url=conn.api_url, retry_handlers=[], logger=_quiet_sdk_logger(), timeout=10
        )
        client = _Socket(
            app_token=conn.app_token,
            logger=_quiet_sdk_logger(),
            web_client=web,
            ping_interval=self.ping_interval,
        )
        client.on_garbage = self._on_garbage
        client.message_listeners.append(self._listener(conn))
        conn.client = client
        names = ", ".join(sorted(conn.channels))
        delay = RETRY_FIRST
        while not self._closed:
            try:
                # Asked here rather than inside slack-sdk's connect(), which would retry a
                # refused token every few seconds with a traceback (and a line of its own).
                answer = await web.apps_connections_open(app_token=conn.app_token)
                client.wss_uri = str(answer["url"])
            except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.error(
                    "slack feedback (%s): cannot open Socket Mode: %s; retrying in %gs",
                    names,
                    _api_error(exc),
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            await client.connect()  # type: ignore[no-untyped-call]  # slack-sdk leaves it bare
            log.info("slack feedback (%s): listening for button presses", names)
            return

    async def _learn_team(self, channel: _Channel) -> str | None:
        """The team of the channel's bot token (``auth.test``), asked once it is known."""
        if channel.team is None:
            try:
                answer = await channel.web.auth_test()
                team = answer.get("team_id")
                channel.team = team if isinstance(team, str) and team else None
            except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.error(
                    "slack feedback (%s): auth.test failed: %s",
                    channel.config.name,
                    _api_error(exc),
                )
        return channel.team

    async def aclose(self) -> None:
        """Stop hearing presses, let those in progress finish briefly, release the clients."""
        self._closed = True
        for conn in self._connections:
            if conn.task is not None:
                conn.task.cancel()
            if conn.client is not None:
                try:
                    await conn.client.close()  # type: ignore[no-untyped-call]
                except Exception as exc:  # a half-open socket must not stop the shutdown
                    log.warning("slack feedback: closing the socket failed: %s", exc)
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=CLOSE_GRACE)
        for conn in self._connections:
            for channel in conn.channels.values():
                await channel.session.close()
            # slack-sdk's closed client still owns the web client's session: none here.
        tasks = [c.task for c in self._connections if c.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=CLOSE_GRACE)
        self._connections = []

    # -- one envelope ------------------------------------------------------------------------------

    def _on_garbage(self, raw: str) -> None:
        self._refuse("-", Refused("malformed", f"not a JSON object ({len(raw)} characters)"))

    def _refuse(self, envelope_id: str, refused: Refused) -> None:
        log.warning("slack feedback: refused envelope %s: %s", envelope_id, refused)
        self.on_result(refused.result)

    def _listener(
        self, conn: _Connection
    ) -> Callable[[AsyncBaseSocketModeClient, dict[str, Any], str | None], Any]:
        async def listener(
            client: AsyncBaseSocketModeClient, message: dict[str, Any], raw: str | None
        ) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.add(task)
            try:
                await self._handle(conn, client, message)
            finally:
                if task is not None:
                    self._in_flight.discard(task)

        return listener

    async def _handle(
        self, conn: _Connection, client: AsyncBaseSocketModeClient, message: dict[str, Any]
    ) -> None:
        envelope_id = message.get("envelope_id")
        if isinstance(envelope_id, str) and envelope_id:
            # First, before any check or storage: an envelope not acknowledged within 3 s is
            # sent again, and a refused one must not come back either.
            try:
                await client.send_socket_mode_response({"envelope_id": envelope_id})
            except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
                # The socket is going away; Slack sends the envelope again, and the replay
                # checks keep it to one press.
                log.warning("slack feedback: acknowledging %s failed: %s", envelope_id, exc)
        elif message.get("type") == "hello":
            return
        else:
            self._refuse("-", Refused("malformed", "no envelope_id"))
            return
        try:
            channel, event, press = await self._accept(conn, envelope_id, message)
        except Refused as refused:
            self._refuse(envelope_id, refused)
            return
        await self._record(channel, event, press)

    async def _accept(
        self, conn: _Connection, envelope_id: str, message: Mapping[str, Any]
    ) -> tuple[_Channel, FeedbackEvent, Mapping[str, Any]]:
        """Check an acknowledged envelope; raise :class:`Refused` unless it is our press."""
        if message.get("type") != "interactive":
            raise Refused("not_interactive", f"type {_show(message.get('type'))} is not ours")
        payload = message.get("payload")
        if not isinstance(payload, dict) or payload.get("type") != "block_actions":
            kind = payload.get("type") if isinstance(payload, dict) else None
            raise Refused("not_block_actions", f"payload type {_show(kind)} is not block_actions")
        # Synchronous from the check to the insert: two copies arriving together cannot both pass.
        if envelope_id in conn.seen:
            raise Refused("replay", "envelope id seen before")
        conn.seen[envelope_id] = None
        while len(conn.seen) > self.seen_max:
            conn.seen.popitem(last=False)
        actions = payload.get("actions")
        if not isinstance(actions, list) or len(actions) != 1 or not isinstance(actions[0], dict):
            raise Refused("malformed", "a press carries exactly one action")
        action = action_of(str(actions[0].get("action_id") or ""))
        if action is None:
            raise Refused("unknown_action", f"action {_show(actions[0].get('action_id'))}")
        value = ButtonValue.decode(actions[0].get("value"))
        if value is None or (action == "mute" and value.party is None):
            raise Refused("bad_value", f"unreadable value for {action}")
        channel = conn.channels.get(value.channel)
        if channel is None:
            raise Refused("unknown_channel", f"channel {_show(value.channel)} is not heard here")
        user = _dict(payload.get("user"))
        team = _dict(payload.get("team")).get("id") or user.get("team_id")
        expected = await self._learn_team(channel)
        if expected is None or team != expected:
            why = "the bot's team is unknown (auth.test failed)" if expected is None else ""
            raise Refused("foreign_team", why or f"team {_show(team)} is not the bot's")
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            raise Refused("malformed", "no user")
        name = user.get("name") or user.get("username") or user_id
        event = FeedbackEvent(
            action=action,
            delivery_id=value.delivery_id,
            channel=value.channel,
            user=user_id,
            user_name=str(name)[:200],
            at=self.now(),
            party=value.party if action == "mute" else None,
            envelope_id=envelope_id,
        )
        return channel, event, payload

    async def _record(
        self, channel: _Channel, event: FeedbackEvent, payload: Mapping[str, Any]
    ) -> None:
        config = channel.config
        try:
            outcome = await asyncio.to_thread(
                self.store.record_feedback,
                event,
                mute_for=config.mute_for,
                snooze_for=config.snooze_for,
            )
        except Exception as exc:
            log.error(
                "slack feedback: storing %s on delivery %d failed: %s",
                event.action,
                event.delivery_id,
                exc,
            )
            self.on_result("store_error")
            return
        if outcome is None:
            self._refuse(
                event.envelope_id,
                Refused(
                    "refused_by_store",
                    f"the store refused {event.action} on delivery {event.delivery_id} of "
                    f"{event.channel} (a replay, or no such delivery)",
                ),
            )
            return
        self.on_result("accepted")
        log.info(
            "slack feedback: %s pressed %s on delivery %d of %s",
            event.user,
            event.action,
            event.delivery_id,
            event.channel,
        )
        await self._update_message(channel, event, outcome, payload)

    async def _update_message(
        self,
        channel: _Channel,
        event: FeedbackEvent,
        outcome: FeedbackOutcome,
        payload: Mapping[str, Any],
    ) -> None:
        container = payload.get("container")
        message = payload.get("message")
        where = container if isinstance(container, dict) else {}
        slack_channel = where.get("channel_id")
        ts = where.get("message_ts")
        if not isinstance(slack_channel, str) or not isinstance(ts, str):
            log.warning("slack feedback: press on delivery %d has no message", event.delivery_id)
            return
        original = message if isinstance(message, dict) else {}
        pressed = _dict(_dict(payload.get("actions", [{}])[0]).get("text")).get("text")
        line = press_line(
            event.action,
            user_mention(event.user, event.user_name),
            event.party,
            outcome,
            snoozed="alert" if pressed == SNOOZE_ALERT else "story",
        )
        blocks = updated_blocks(original.get("blocks"), event.action, line)
        text = original.get("text")
        try:
            await channel.web.chat_update(
                channel=slack_channel,
                ts=ts,
                text=text if isinstance(text, str) and text else "newswatch alert",
                blocks=blocks,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            # The press is stored; only the message does not show it.
            log.warning(
                "slack feedback: chat.update of delivery %d failed: %s",
                event.delivery_id,
                _api_error(exc),
            )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _show(value: object) -> str:
    """A bounded repr of a value from the wire, for a log line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _api_error(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
