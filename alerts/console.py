"""Console notifier, the embedded default: prints each alert to stdout (text or one JSON object
per line) or appends JSON lines to a file, so a fresh install shows what it would have sent.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import ClassVar, TextIO

from alerts.channels import ConsoleChannel
from alerts.errors import TemporaryDeliveryError
from alerts.model import Alert, Notice
from alerts.render import Digest, message_json, notice_text
from alerts.render_email import email_digest_text, email_text


class ConsoleNotifier:
    """Writes alerts to stdout or a JSON-lines file."""

    kind: ClassVar[str] = "console"

    def __init__(self, config: ConsoleChannel, *, stream: TextIO | None = None) -> None:
        self.config = config
        self._stream = stream

    def render(self, message: Alert | Digest | Notice) -> str:
        """The text written for ``message`` (with its trailing newline)."""
        if self.config.path is not None or self.config.format == "json":
            data = {"channel": self.config.name, **message_json(message)}
            return json.dumps(data, ensure_ascii=False) + "\n"
        if isinstance(message, Notice):
            return f"--- newswatch notice ({self.config.name}) ---\n{notice_text(message)}\n"
        body = email_text(message) if isinstance(message, Alert) else email_digest_text(message)
        return f"--- newswatch alert ({self.config.name}) ---\n{body.rstrip()}\n"

    async def send(self, message: Alert | Digest | Notice) -> None:
        """Write ``message``; a file error is temporary (disk full, permissions fixed later)."""
        line = self.render(message)
        if self.config.path is None:
            stream = self._stream or sys.stdout
            stream.write(line)
            stream.flush()
            return
        try:
            await asyncio.to_thread(_append, Path(self.config.path), line)
        except OSError as exc:
            raise TemporaryDeliveryError(
                f"console: cannot write {self.config.path}: {exc}", channel=self.config.name
            ) from exc

    async def aclose(self) -> None:
        """Nothing to release."""


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
