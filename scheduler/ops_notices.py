"""Notices to the ops channel: a failing or recovered source, a rejected config edit.

The service names one of its channels in ``service.ops_channel``; :func:`ops_channel` finds it
(or nothing, and then no notice is sent) and :func:`send_ops_notice` sends one plain
:class:`~alerts.model.Notice` through a fresh notifier, logging instead of raising, because a
notice about a problem must not become a second one. :class:`RepeatFilter` keeps the same
message from being sent again and again: the config watcher sees a broken file on every poll
until it is fixed, but ops hears about it once (and again only when the error changes).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alerts.channels import ChannelConfig
from alerts.model import Notice
from alerts.registry import build_notifier

logger = logging.getLogger("newswatch")


def ops_channel(name: str | None, channels: Sequence[ChannelConfig]) -> ChannelConfig | None:
    """The channel called ``name``, or None when there is no name or no such channel."""
    if not name:
        return None
    return next((c for c in channels if c.name == name), None)


async def send_ops_notice(channel: ChannelConfig, text: str) -> bool:
    """Send ``text`` to ``channel``; return whether it was sent. Never raises."""
    notifier = build_notifier(channel)
    try:
        await notifier.send(Notice(text=text, channel=channel.name))
        return True
    except Exception as exc:
        logger.error("could not notify ops channel %s: %s", channel.name, exc)
        return False
    finally:
        await notifier.aclose()


class RepeatFilter:
    """Lets a message through once, until a different message or :meth:`reset` comes."""

    def __init__(self) -> None:
        self.last: str | None = None

    def is_new(self, message: str) -> bool:
        """Whether ``message`` differs from the last one let through (and remember it)."""
        if message == self.last:
            return False
        self.last = message
        return True

    def reset(self) -> None:
        """Forget the last message: the next one is new, whatever it says."""
        self.last = None
