"""Whole-process-tree CPU and memory of a command, for the benches.

``/usr/bin/time`` and ``RUSAGE_CHILDREN`` count only the processes their parents waited for: the
workers of a ``forkserver`` pool are children of the fork server, which never waits for them, so
their CPU is lost (about a third of a crawl's). :func:`run_measured` makes this process a Linux
*child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``): every descendant orphaned by its parent is
reparented here and reaped here with ``wait4``, whose rusage is exact; a descendant its own parent
waits for is already in that parent's rusage. The sum over every process reaped here is therefore
the CPU of the whole tree. Memory is sampled (psutil, every ``interval`` seconds) as the sum of the
resident sets of every live descendant; a sum of RSS counts pages shared between processes once
per process, as ``ps`` and most dashboards do.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

_PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
MB = 1024 * 1024


def become_subreaper() -> None:
    """Have orphaned descendants reparented to this process (Linux); raises elsewhere."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def tree_rss() -> tuple[int, int]:
    """(sum of RSS in bytes, number of processes) over every live descendant of this process."""
    total = count = 0
    for child in psutil.Process().children(recursive=True):
        try:
            total += child.memory_info().rss
            count += 1
        except psutil.Error:
            pass  # exited between the listing and the read
    return total, count


@dataclass
class TreeRun:
    """What one measured command cost, its whole process tree included."""

    returncode: int | None
    cpu_seconds: float
    wall_seconds: float
    peak_rss_mb: float
    peak_processes: int
    processes: int  # processes reaped here (the root, and descendants orphaned to us)
    stdout: str = ""
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (t, MB, processes)


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    interval: float = 0.05,
    while_running: Callable[[subprocess.Popen[bytes]], None] | None = None,
    linger: float = 30.0,
    stderr: Path | None = None,
) -> TreeRun:
    """Run ``argv`` to the end (or until ``while_running`` returns and it is stopped) and measure.

    ``while_running`` is called in this thread while the samplers run; when it returns, the root
    gets SIGTERM (skip by returning only after the root exits). Descendants still alive ``linger``
    seconds after the root exited are killed and still counted. ``stderr``: a file for the
    command's log (default: discarded).
    """
    become_subreaper()
    peak = [0, 0]
    samples: list[tuple[float, float, int]] = []
    stop = threading.Event()
    started = time.monotonic()

    def sample() -> None:
        while not stop.is_set():
            rss, procs = tree_rss()
            samples.append((time.monotonic() - started, rss / MB, procs))
            if rss > peak[0]:
                peak[0] = rss
            peak[1] = max(peak[1], procs)
            stop.wait(interval)

    proc = subprocess.Popen(
        list(argv),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=stderr.open("wb") if stderr is not None else subprocess.DEVNULL,
    )
    chunks: list[bytes] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if while_running is not None:
        while_running(proc)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
    cpu = 0.0
    reaped = 0
    root_status: int | None = None
    root_done_at: float | None = None
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break  # nothing left in the tree
        if pid == 0:
            if root_done_at is not None and time.monotonic() - root_done_at > linger:
                for child in psutil.Process().children():
                    child.kill()
                root_done_at = float("inf")  # killed: reap them without killing again
            time.sleep(0.01)
            continue
        reaped += 1
        cpu += usage.ru_utime + usage.ru_stime
        if pid == proc.pid:
            root_status = status
            root_done_at = time.monotonic()
    wall = time.monotonic() - started
    stop.set()
    sampler.join()
    reader.join()
    proc.returncode = os.waitstatus_to_exitcode(root_status) if root_status is not None else None
    return TreeRun(
        returncode=proc.returncode,
        cpu_seconds=cpu,
        wall_seconds=wall,
        peak_rss_mb=peak[0] / MB,
        peak_processes=peak[1],
        processes=reaped,
        stdout=b"".join(chunks).decode(errors="replace"),
        samples=samples,
    )
