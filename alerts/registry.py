"""The explicit map from a channel ``kind`` to its notifier class, and building one.

A channel kind exists because it is listed here, not because a module of that name does.
"""

from __future__ import annotations

from alerts.channels import ChannelConfig
from alerts.console import ConsoleNotifier
from alerts.email import EmailNotifier
from alerts.notifier import Notifier, NotifierFactory
from alerts.slack import SlackNotifier
from alerts.webhook import WebhookNotifier

NOTIFIERS: dict[str, NotifierFactory] = {
    "slack": SlackNotifier,
    "email": EmailNotifier,
    "webhook": WebhookNotifier,
    "console": ConsoleNotifier,
}


def build_notifier(config: ChannelConfig) -> Notifier:
    """Build the notifier for one channel config through :data:`NOTIFIERS`."""
    return NOTIFIERS[config.kind](config)
