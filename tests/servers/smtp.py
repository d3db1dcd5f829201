"""A real SMTP server for tests: aiosmtpd's ``Controller`` on a free loopback port, recording
every accepted message, able to refuse recipients with a scripted reply (``550 ...`` or
``451 ...``), and able to start late (SMTP "down then up")."""

from __future__ import annotations

import email
import email.policy
import ssl
from email.message import Message
from pathlib import Path
from typing import Any, Literal

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


def self_signed(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 / localhost; return (cert, key) paths."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class SMTPServer:
    """Start with :meth:`start` (or as a context manager); ``port`` is chosen up front.

    ``tls="starttls"`` offers STARTTLS, ``tls="implicit"`` speaks TLS from the first byte
    (smtps); both need ``cert`` and ``key``.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        tls: Literal["starttls", "implicit"] | None = None,
        cert: Path | None = None,
        key: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.tls = tls
        self._cert, self._key = cert, key
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> SMTPServer:
        kwargs: dict[str, Any] = {}
        if self.tls is not None:
            assert self._cert is not None and self._key is not None
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self._cert, self._key)
            kwargs["tls_context" if self.tls == "starttls" else "ssl_context"] = ctx
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
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
