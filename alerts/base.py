"""The one small interface every notifier implements, the typed errors they raise, and the
explicit registry that maps a channel ``kind`` to its notifier class.

The error tree says whether a retry can help::

    DeliveryError                  root: the alert did not reach the channel
     +-- TemporaryDeliveryError    timeouts, 5xx, 429 (carries retry_after), SMTP 4xx, refused
     +-- PermanentDeliveryError    invalid_auth, channel_not_found, SMTP 5xx: retrying cannot help

The dispatcher catches these per notifier and carries on with the other channels; any other
exception from a notifier is treated as temporary (a bug must not lose an alert).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from alerts.channels import ChannelConfig
    from alerts.model import Alert, Notice
    from alerts.render import Digest


class DeliveryError(Exception):
    """An alert did not reach its channel; ``channel`` names it when known."""

    def __init__(self, message: str, *, channel: str | None = None) -> None:
        self.message = message
        self.channel = channel
        super().__init__(message)


class TemporaryDeliveryError(DeliveryError):
    """A failure that may pass: retry later, not before ``retry_after`` seconds when given."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, channel: str | None = None
    ) -> None:
        super().__init__(message, channel=channel)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """A failure that no retry can fix (bad credentials, unknown channel, refused recipient)."""


class Notifier(Protocol):
    """Sends alerts and digests to one configured channel.

    ``send`` returns when the channel accepted the message and raises a :class:`DeliveryError`
    subclass otherwise. Implementations keep their limits as class attributes.
    """

    kind: ClassVar[str]

    async def send(self, message: Alert | Digest | Notice) -> None:
        """Deliver one alert, one digest of several alerts, or an operational notice."""

    async def aclose(self) -> None:
        """Release connections; the notifier is not used afterwards."""


class NotifierFactory(Protocol):
    """A notifier class: builds itself from its validated channel config."""

    def __call__(self, config: Any) -> Notifier: ...


def registry() -> dict[str, NotifierFactory]:
    """The explicit map from channel ``kind`` to notifier class.

    Imports happen here rather than at module level so that ``alerts.base`` stays importable by
    every notifier module, and so that a service using only Slack never imports aiosmtplib.
    """
    from alerts.console import ConsoleNotifier
    from alerts.email import EmailNotifier
    from alerts.slack import SlackNotifier
    from alerts.webhook import WebhookNotifier

    return {
        "slack": SlackNotifier,
        "email": EmailNotifier,
        "webhook": WebhookNotifier,
        "console": ConsoleNotifier,
    }


def build_notifier(config: ChannelConfig) -> Notifier:
    """Build the notifier for one channel config through :func:`registry`."""
    return registry()[config.kind](config)
