"""The typed errors notifiers raise; the tree says whether a retry can help::

    DeliveryError                  root: the alert did not reach the channel
     +-- TemporaryDeliveryError    timeouts, 5xx, 429 (carries retry_after), SMTP 4xx, refused
     +-- PermanentDeliveryError    invalid_auth, channel_not_found, SMTP 5xx: retrying cannot help

The dispatcher catches these per notifier and carries on with the other channels; any other
exception from a notifier is treated as temporary (a bug must not lose an alert).
"""

from __future__ import annotations


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
