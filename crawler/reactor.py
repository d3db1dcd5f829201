"""Run a coroutine on Scrapy's asyncio reactor: one process, one asyncio loop.

Scrapy's HTTP downloader needs Twisted's ``AsyncioSelectorReactor``; it runs on an asyncio loop, so
the scheduler, the dispatcher and the health endpoint share that loop with the crawls. A reactor can
run only once per process, so a command calls :func:`run` exactly once. :class:`StopSignals` is the
Ctrl-C handling that ``newswatch run`` and ``newswatch crawl`` share on that loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# A stop signal again within this many seconds is the same one delivered twice (``timeout`` and
# some supervisors signal the process and then its group), not a second Ctrl-C. Here, not in the
# daemon, so that ``newswatch crawl`` does not import the whole service to read it.
REPEAT_SIGNAL_WINDOW = 0.5


class StopSignals:
    """SIGTERM and SIGINT on a loop: the first asks for a graceful stop, a second exits at once.

    ``first(sig)`` starts the graceful stop; ``again(sig)`` says that the process is leaving now
    (then it exits with 130, skipping the grace period: the caller's state must already be
    durable). The same signal again within :data:`REPEAT_SIGNAL_WINDOW` is one press delivered
    twice and is ignored.
    """

    def __init__(
        self, first: Callable[[signal.Signals], None], again: Callable[[signal.Signals], None]
    ) -> None:
        self._first = first
        self._again = again
        self._at: float | None = None  # when the first stop signal came

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        now = time.monotonic()
        if self._at is None:
            self._at = now
            self._first(sig)
        elif now - self._at >= REPEAT_SIGNAL_WINDOW:
            self._again(sig)
            os._exit(130)


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Install the reactor, run ``main()`` on it to completion, and return its result."""
    import sys

    if "twisted.internet.reactor" not in sys.modules:
        from scrapy.utils.reactor import install_reactor

        install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import defer
    from twisted.internet import reactor as installed

    reactor: Any = installed  # the installed reactor's interfaces are not visible to mypy

    outcome: dict[str, Any] = {}

    async def wrapper() -> None:
        try:
            outcome["result"] = await main()
        except BaseException as exc:
            outcome["error"] = exc

    def start() -> None:
        d = defer.Deferred.fromFuture(asyncio.ensure_future(wrapper()))
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(start)
    # The service installs its own asyncio signal handlers (SIGTERM, SIGINT, SIGHUP).
    reactor.run(installSignalHandlers=False)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]  # type: ignore[no-any-return]
