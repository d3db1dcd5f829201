"""Validated channel configs: one model per ``[[channel]]`` kind (slack, email, webhook, console).

``scheduler.config`` validates the ``[[channel]]`` list into :data:`ChannelConfig` (a union
discriminated by ``kind``) after it has replaced ``"env:NAME"`` references by their values, so
secrets arrive here as plain strings and are kept as :class:`pydantic.SecretStr` (never printed).
Every kind shares the pacing options: ``digest``, storm protection, quiet hours, a rate limit and
the retry window.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    TypeAdapter,
    field_validator,
    model_validator,
)

from alerts.feedback import MUTE_FOR, SNOOZE_FOR
from crawler.sources import Duration

_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+$")


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """Parse ``"22:00-07:00"`` into (start, end); the span may cross midnight."""
    m = _QUIET.match(value)
    if not m:
        raise ValueError(f"expected quiet hours like '22:00-07:00', got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"quiet hours out of range: {value!r}")
    start, end = time(h1, m1), time(h2, m2)
    if start == end:
        raise ValueError("quiet hours must not start and end at the same time")
    return start, end


class _ChannelBase(BaseModel):
    """Options every channel kind has."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    enabled: bool = True
    # One message per period listing that period's matches, grouped by watchlist.
    digest: Duration | None = None
    # Storm protection: more than storm_max messages in storm_window -> fold the rest into one.
    # 0 turns it off (TOML has no null).
    storm_max: int | None = Field(default=20, ge=0)
    storm_window: Duration = timedelta(minutes=10)
    # Hold (never drop) delivery during these local hours, e.g. "22:00-07:00".
    quiet_hours: str | None = None
    timezone: str = "UTC"
    # Messages per second on this channel; 0 disables the limit. None = the kind's default.
    rate_limit: float | None = Field(default=None, ge=0)
    # Temporary failures are retried for this long after the alert was queued, then failed.
    retry_for: Duration = timedelta(hours=24)
    timeout: Duration = timedelta(seconds=10)
    # Later reports of a story already alerted here: a reply in its thread ("thread"), an alert
    # of their own ("new"), or nothing ("none"). None = the kind's default.
    updates: Literal["thread", "new", "none"] | None = None

    # The kind's rate limit when the config gives none (a class attribute, not a config key).
    default_rate_limit: ClassVar[float] = 0.0
    default_updates: ClassVar[str] = "none"

    @field_validator("storm_max")
    @classmethod
    def _storm_off(cls, value: int | None) -> int | None:
        return value or None

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet(cls, value: str | None) -> str | None:
        if value is not None:
            parse_quiet_hours(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def update_mode(self) -> str:
        """The effective ``updates`` mode: threads on Slack, nothing elsewhere by default."""
        if self.updates is not None:
            return self.updates
        return self.default_updates

    @property
    def messages_per_second(self) -> float:
        """The effective rate limit (0 means none)."""
        return self.default_rate_limit if self.rate_limit is None else self.rate_limit

    def in_quiet_hours(self, now: datetime) -> bool:
        """Whether ``now`` (aware) falls inside this channel's quiet hours."""
        if self.quiet_hours is None:
            return False
        start, end = parse_quiet_hours(self.quiet_hours)
        local = now.astimezone(ZoneInfo(self.timezone)).time().replace(tzinfo=None)
        if start < end:
            return start <= local < end
        return local >= start or local < end

    def quiet_until(self, now: datetime) -> datetime | None:
        """When the current quiet period ends, or None when ``now`` is not quiet."""
        if not self.in_quiet_hours(now):
            return None
        assert self.quiet_hours is not None
        _, end = parse_quiet_hours(self.quiet_hours)
        tz = ZoneInfo(self.timezone)
        local = now.astimezone(tz)
        candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if candidate <= local:
            candidate += timedelta(days=1)
        return candidate


class SlackChannel(_ChannelBase):
    """Slack through the Web API (bot token + channel) or an incoming-webhook URL."""

    kind: Literal["slack"] = "slack"
    token: SecretStr | None = None
    channel: str | None = None
    api_url: HttpUrl = HttpUrl("https://slack.com/api/")
    webhook_url: SecretStr | None = None  # the URL itself is the credential
    username: str | None = None
    icon_emoji: str | None = None
    # Slack's app-level token ("xapp-..."): with it, alerts carry feedback buttons that the
    # service hears over Socket Mode (no public endpoint). Without it, no buttons: nothing would
    # listen to them.
    app_token: SecretStr | None = None
    mute_for: Duration = MUTE_FOR  # how long "Mute <party>" holds the party's alerts
    snooze_for: Duration = SNOOZE_FOR  # how long "Snooze story" holds the story's alerts

    # chat.postMessage allows about one message per second per channel.
    default_rate_limit: ClassVar[float] = 1.0
    # Replies in the story's thread keep the channel to one message per event.
    default_updates: ClassVar[str] = "thread"

    @field_validator("app_token")
    @classmethod
    def _check_app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip().startswith("xapp-"):
            # Never echo the value: it may be a bot token pasted into the wrong place.
            raise ValueError(
                "'app_token' must be an app-level token starting with 'xapp-' (Basic "
                "Information > App-Level Tokens, scope connections:write)"
            )
        return value

    @property
    def feedback_buttons(self) -> bool:
        """Whether alerts carry feedback buttons: Web API with an app token to hear them."""
        return self.app_token is not None and self.webhook_url is None

    @model_validator(mode="after")
    def _one_way(self) -> SlackChannel:
        web_api = self.token is not None or self.channel is not None
        if web_api and self.webhook_url is not None:
            raise ValueError("a slack channel needs either 'token' + 'channel' or 'webhook_url'")
        if self.webhook_url is None and (self.token is None or self.channel is None):
            raise ValueError("a slack channel needs 'token' and 'channel' (or 'webhook_url')")
        if self.token is not None and not self.token.get_secret_value().strip():
            raise ValueError("'token' is empty (is the environment variable set?)")
        if self.webhook_url is not None:
            scheme = urlsplit(self.webhook_url.get_secret_value()).scheme
            if scheme not in ("http", "https"):
                raise ValueError("'webhook_url' must be an http(s) URL")
        if self.app_token is not None and self.webhook_url is not None:
            # Button presses need the bot token (auth.test, chat.update).
            raise ValueError("'app_token' needs the Web API ('token' + 'channel'), not a webhook")
        return self


class EmailChannel(_ChannelBase):
    """Email over SMTP: ``smtp://host[:port]`` (STARTTLS when offered) or ``smtps://``."""

    kind: Literal["email"] = "email"
    url: str
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(alias="from")
    to: tuple[str, ...] = Field(min_length=1)
    # For smtp://: use STARTTLS when the server offers it ("auto"), insist on it ("required"),
    # or never ("off", for a local relay).
    starttls: Literal["auto", "required", "off"] = "auto"
    # PEM bundle of the CA that signed the server's certificate (a private relay); the system
    # store is used otherwise. Certificates are always verified.
    ca_file: str | None = None
    subject_prefix: str = "[newswatch]"

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "expected an SMTP URL like 'smtp://mail.example.com:587' or 'smtps://…'"
            )
        try:
            parts.port  # noqa: B018 - validates the port
        except ValueError as exc:
            raise ValueError(f"bad port in {value!r}") from exc
        if parts.password:
            raise ValueError("put the SMTP password in 'password' (an env: reference), not the URL")
        return value

    @field_validator("sender")
    @classmethod
    def _check_sender(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError(f"not an email address: {value!r}")
        return value

    @field_validator("to")
    @classmethod
    def _check_to(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for addr in value:
            if not _EMAIL.match(addr):
                raise ValueError(f"not an email address: {addr!r}")
        return value

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (465 if parts.scheme == "smtps" else 587)

    @property
    def implicit_tls(self) -> bool:
        return urlsplit(self.url).scheme == "smtps"

    @property
    def login(self) -> str | None:
        return self.username or urlsplit(self.url).username


class WebhookChannel(_ChannelBase):
    """Any HTTP endpoint: JSON body, signed with HMAC-SHA256 when a secret is set."""

    kind: Literal["webhook"] = "webhook"
    url: HttpUrl
    secret: SecretStr | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class ConsoleChannel(_ChannelBase):
    """Prints alerts to stdout, or appends them as JSON lines to ``path``."""

    kind: Literal["console"] = "console"
    path: str | None = None
    format: Literal["text", "json"] = "text"  # stdout only; a file is always JSON lines
    storm_max: int | None = Field(default=None, ge=0)


ChannelConfig = Annotated[
    SlackChannel | EmailChannel | WebhookChannel | ConsoleChannel, Field(discriminator="kind")
]

_ADAPTER: TypeAdapter[SlackChannel | EmailChannel | WebhookChannel | ConsoleChannel] = TypeAdapter(
    ChannelConfig
)


def parse_channel(data: object) -> SlackChannel | EmailChannel | WebhookChannel | ConsoleChannel:
    """Validate one ``[[channel]]`` table (env references already resolved)."""
    return _ADAPTER.validate_python(data)


def default_channels() -> tuple[ConsoleChannel, ...]:
    """The channels used when the config has none: one console channel named ``console``."""
    return (ConsoleChannel(name="console"),)
