"""Check the addresses a download connects to, at connect time: no DNS rebinding.

:class:`~crawler.middlewares.private.PrivateAddressMiddleware` resolves a request's host and refuses
non-public answers, but the download resolves the name again; a name that answers a public
address first and ``127.0.0.1`` second would pass the check and reach loopback. This resolver wraps
the reactor's own name resolver (the one Twisted's ``HostnameEndpoint`` asks for the addresses it
connects to) and refuses a resolution when any address in it is not public -- the same rules as
:mod:`crawler.urls`, on the very answer the connection uses. A refused resolution delivers no
address, so the download fails with a DNS error and one warning line names the reason.

Scrapy installs it for ``scrapy crawl`` through ``TWISTED_DNS_RESOLVER``; the service, whose
``AsyncCrawlerRunner`` sets no resolver, calls :func:`install_address_guard`. The reactor is
process-wide, so there is one guard and the latest setting of ``allow_private`` applies.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
)
from zope.interface import implementer

from crawler.setting_names import NEWSWATCH_ALLOW_PRIVATE
from crawler.urls import refusal_for_address

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


@implementer(IResolutionReceiver)
class _CheckedReceiver:
    """Holds the addresses back until all are in, then passes them on only if all are public."""

    def __init__(self, receiver: IResolutionReceiver, host: str, allow_private: bool) -> None:
        # Any: mypy reads zope interface methods as unbound functions.
        self.receiver: Any = receiver
        self.host = host
        self.allow_private = allow_private
        self.addresses: list[IAddress] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        for address in self.addresses:
            host = getattr(address, "host", None)
            reason = (
                refusal_for_address(host, allow_private=self.allow_private)
                if isinstance(host, str)
                else "not an IP address"
            )
            if reason is not None:
                logger.warning(
                    "Refused to connect to %s: it resolves to %s (%s)", self.host, host, reason
                )
                self.addresses = []  # one bad answer spoils the resolution: refuse them all
                break
        for address in self.addresses:
            self.receiver.addressResolved(address)
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class GuardedNameResolver:
    """An ``IHostnameResolver`` that refuses resolutions with non-public addresses."""

    def __init__(self, reactor: Any, *, allow_private: bool) -> None:
        self.reactor = reactor
        self.allow_private = allow_private
        current = reactor.nameResolver
        # Installed twice (a reload): wrap the original, never a guard.
        self.inner: Any = current.inner if isinstance(current, GuardedNameResolver) else current

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        return cls(reactor, allow_private=crawler.settings.getbool(NEWSWATCH_ALLOW_PRIVATE))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        checked = _CheckedReceiver(resolutionReceiver, hostName, self.allow_private)
        resolution: IHostResolution = self.inner.resolveHostName(
            checked, hostName, portNumber, addressTypes, transportSemantics
        )
        return resolution


def install_address_guard(*, allow_private: bool) -> None:
    """Install (or update) the guard on the running process's reactor."""
    from twisted.internet import reactor

    GuardedNameResolver(reactor, allow_private=allow_private).install_on_reactor()
