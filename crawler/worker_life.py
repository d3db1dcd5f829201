"""Extraction workers die with the service, even when it is SIGKILLed.

A ``forkserver`` pool's workers are children of the fork server, which exits on its own when the
service's end of its "alive" pipe closes; the workers, though, block on a call queue whose other
end the surviving workers still hold, and would linger (one per core) after a ``kill -9`` of
``newswatch run``. :func:`die_with_parent`, the pool's worker initializer, asks the Linux kernel
(``prctl(PR_SET_PDEATHSIG)``) to kill the worker when its parent, the fork server, exits. Elsewhere
it does nothing: the pool then only loses its workers on a clean shutdown.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(service_pid: int | None = None) -> None:
    """Have the kernel SIGKILL this process when its parent exits (Linux only).

    ``service_pid``: the process that owns the pool; if it is already gone when this runs (it
    died between the fork and the call), exit now rather than never be told.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    except (OSError, AttributeError) as exc:  # no prctl: a sandbox or an unusual libc
        logger.debug("cannot ask to die with the parent: %s", exc)
        return
    if service_pid is not None:
        try:
            os.kill(service_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass  # alive, under another user
