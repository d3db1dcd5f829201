"""Email notifier: one multipart (plain text + HTML) message per alert or digest over SMTP with
aiosmtplib — ``smtp://`` upgrading with STARTTLS when the server offers it (or insisting on it),
``smtps://`` with TLS from the first byte.

Failures map to the outbox's retry rules: connection refused, timeouts and 4xx replies are
temporary; 5xx replies (recipient refused, authentication failed) and a missing STARTTLS that the
config requires are permanent. Header values are stripped of CR/LF by :mod:`alerts.render_email`.
"""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import ClassVar

from alerts.channels import EmailChannel
from alerts.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from alerts.model import Alert, Notice
from alerts.render import Digest, notice_text
from alerts.render_email import (
    email_digest_html,
    email_digest_subject,
    email_digest_text,
    email_header,
    email_html,
    email_notice_html,
    email_notice_subject,
    email_subject,
    email_text,
    email_watchlists,
)

log = logging.getLogger(__name__)


def by_code(code: int, text: str, channel: str) -> DeliveryError:
    """SMTP reply code -> error: 4xx may pass, 5xx will not."""
    if 400 <= code < 500:
        return TemporaryDeliveryError(f"smtp: {code} {text}", channel=channel)
    return PermanentDeliveryError(f"smtp: {code} {text}", channel=channel)


def list_label(name: str) -> str:
    """A channel name as an RFC 2919 list label (letters, digits and hyphens)."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-").lower() or "alerts"


class EmailNotifier:
    """Sends alerts by email to the channel's recipients."""

    kind: ClassVar[str] = "email"
    # Characters of a Subject, From or To value we send (RFC 5322 allows 998 per line; mail
    # clients show far fewer).
    subject_max: ClassVar[int] = 200
    # The Subject itself: RFC 5322's recommended line length, and about what a mail list shows.
    subject_line_max: ClassVar[int] = 78

    def __init__(self, config: EmailChannel) -> None:
        self.config = config

    def build_message(self, message: Alert | Digest | Notice) -> EmailMessage:
        """The MIME message (text/plain + text/html alternatives) for ``message``."""
        cfg = self.config
        if isinstance(message, Alert):
            subject = email_subject(message, cfg.subject_prefix, self.subject_line_max)
            text, html = email_text(message), email_html(message)
        elif isinstance(message, Notice):
            subject = email_notice_subject(message, cfg.subject_prefix, self.subject_line_max)
            text, html = notice_text(message) + "\n", email_notice_html(message)
        else:
            subject = email_digest_subject(message, cfg.subject_prefix, self.subject_line_max)
            text, html = email_digest_text(message), email_digest_html(message)
        msg = EmailMessage(policy=SMTP)
        msg["Subject"] = subject
        msg["From"] = email_header(cfg.sender, self.subject_max)
        msg["To"] = ", ".join(email_header(addr, self.subject_max) for addr in cfg.to)
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = make_msgid(domain=cfg.sender.rpartition("@")[2] or None)
        msg["Auto-Submitted"] = "auto-generated"
        # For mail filters: one List-Id per channel, and the watchlists an alert came from.
        msg["List-Id"] = f"newswatch {cfg.name} <{list_label(cfg.name)}.newswatch.localhost>"
        if not isinstance(message, Notice):
            watchlists = email_watchlists(message)
            if watchlists:
                msg["X-Newswatch-Watchlist"] = email_header(watchlists, self.subject_max)
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        return msg

    async def send(self, message: Alert | Digest | Notice) -> None:
        """Hand ``message`` to the SMTP server; raise a typed error when it is not accepted."""
        import aiosmtplib

        cfg = self.config
        msg = self.build_message(message)
        start_tls: bool | None
        if cfg.implicit_tls:
            start_tls = False
        else:
            start_tls = {"auto": None, "required": True, "off": False}[cfg.starttls]
        try:
            errors, _ = await aiosmtplib.send(
                msg,
                sender=cfg.sender,
                recipients=list(cfg.to),
                hostname=cfg.host,
                port=cfg.port,
                username=cfg.login,
                password=cfg.password.get_secret_value() if cfg.password else None,
                use_tls=cfg.implicit_tls,
                start_tls=start_tls,
                timeout=cfg.timeout.total_seconds(),
                cert_bundle=cfg.ca_file,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            if codes and all(c >= 500 for c in codes):
                raise PermanentDeliveryError(
                    f"smtp: recipients refused: {detail}", channel=cfg.name
                ) from exc
            raise TemporaryDeliveryError(
                f"smtp: recipients refused: {detail}", channel=cfg.name
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise by_code(exc.code, exc.message, cfg.name) from exc
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected) as exc:
            raise TemporaryDeliveryError(f"smtp: {exc}", channel=cfg.name) from exc
        except aiosmtplib.SMTPTimeoutError as exc:
            raise TemporaryDeliveryError(f"smtp: timed out: {exc}", channel=cfg.name) from exc
        except aiosmtplib.SMTPException as exc:
            # No reply code: STARTTLS or AUTH not offered and required by the config.
            raise PermanentDeliveryError(f"smtp: {exc}", channel=cfg.name) from exc
        except OSError as exc:
            raise TemporaryDeliveryError(f"smtp: {exc}", channel=cfg.name) from exc
        if errors:
            # Some recipients took it: the alert is delivered; say who did not get it.
            log.warning(
                "channel %s: some recipients refused: %s",
                cfg.name,
                "; ".join(f"{addr}: {code} {text}" for addr, (code, text) in errors.items()),
            )

    async def aclose(self) -> None:
        """Nothing to release: one SMTP connection per message."""
