"""A real SMTP server for tests: aiosmtpd's ``Controller`` on a free loopback port, recording
every accepted message, able to refuse recipients with a scripted reply (``550 ...`` or
``451 ...``), and able to start late (SMTP "down then up")."""

from __future__ import annotations

import email
import email.policy
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port


class RecordingHandler:
    """aiosmtpd handler: keeps each accepted message; ``rcpt_reply`` refuses recipients."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[Any] = []
        self.rcpt_reply: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        raw = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SMTPServer:
    """Start with :meth:`start` (or as a context manager); ``port`` is chosen up front."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SMTPServer:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
