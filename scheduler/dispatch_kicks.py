"""Coalesced dispatch runs: many kicks, one dispatcher pass at a time.

The service asks for a dispatch after every crawl that stored matches, on the dispatcher's
interval and once more at shutdown. :class:`DispatchKicks` turns those requests into passes that
never overlap: a kick while a pass is going on does not start a second one, it makes the running
pass go round once more when it ends, so matches stored meanwhile are not left for the next tick.
Any number of kicks during one pass add a single extra round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class DispatchKicks:
    """Runs ``one_pass`` on request, never twice at once; kicks during a pass coalesce."""

    def __init__(self, one_pass: Callable[[], Awaitable[None]]) -> None:
        self._one_pass = one_pass
        self._lock = asyncio.Lock()
        self._again = False

    @property
    def running(self) -> bool:
        """Whether a pass is going on."""
        return self._lock.locked()

    async def kick(self) -> None:
        """Run passes until no kick came during the last one; return at once if one is running."""
        if self._lock.locked():
            self._again = True  # a run is going on: make it go round once more
            return
        async with self._lock:
            while True:
                self._again = False
                await self._one_pass()
                if not self._again:
                    break
