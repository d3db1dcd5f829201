"""The one small interface every notifier implements (one module per channel kind).

A notifier is built from its validated channel config, sends an alert, a digest or a notice, and
raises an :mod:`alerts.errors` error when the channel did not take it. Its limits are class
attributes that rendering reads (``SlackNotifier.header_max``, ``EmailNotifier.subject_max``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from alerts.model import Alert, Notice
    from alerts.render import Digest


class Notifier(Protocol):
    """Sends alerts and digests to one configured channel.

    ``send`` returns when the channel accepted the message and raises a
    :class:`~alerts.errors.DeliveryError` subclass otherwise.
    """

    kind: ClassVar[str]

    async def send(self, message: Alert | Digest | Notice) -> str | None:
        """Deliver one alert, one digest of several alerts, or an operational notice.

        Returns the channel's reference of the message when it has one (Slack: channel id and
        ``ts``, which later reports of the story thread under), else None.
        """

    async def aclose(self) -> None:
        """Release connections; the notifier is not used afterwards."""


class NotifierFactory(Protocol):
    """A notifier class: builds itself from its validated channel config."""

    def __call__(self, config: Any) -> Notifier: ...
