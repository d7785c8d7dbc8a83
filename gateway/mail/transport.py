"""How a built message leaves the gateway: by SMTP, or into a folder as an ``.eml`` file.

Both are a :class:`Transport`: ``send`` one message and say what happened (an ``AttemptResult``
of :mod:`gateway.delivery.workers`, never an exception), ``finish`` at the end of a batch.
The SMTP transport keeps one connection for a whole batch, opens a new one after a failure, and
sorts failures as SMTP does: ``4xx`` and connection trouble are temporary (retry), ``5xx`` refusals
of the message are permanent (dead letter). A failed login or TLS handshake is about the gateway's
setup, not the message, so those messages wait for the setup to be fixed (retry).

Results carry codes only (``smtp 550 5.1.1``), never the server's text: it often quotes the address.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from gateway.clock import Clock, system_clock
from gateway.delivery.workers import AttemptResult, Outcome
from gateway.durable import write_atomic
from gateway.mail.server import SmtpServer, TlsMode

# Prefix of the results that mean the server could not be reached at all.
CONNECTION_FAILED = "connection"
_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


class Transport(Protocol):
    """Where a worker hands built messages."""

    @property
    def label(self) -> str:
        """Where messages go, without credentials or addresses."""

    async def send(self, message: EmailMessage, sender: str, recipient: str) -> AttemptResult:
        """One attempt to hand ``message`` over for ``recipient`` (envelope from ``sender``)."""

    async def finish(self) -> None:
        """The batch is over: let go of any connection."""


def reply_result(code: int, text: str) -> AttemptResult:
    """The outcome of an SMTP reply that refused a message."""
    enhanced = _ENHANCED.match(text or "")
    detail = f"smtp {code}" + (f" {enhanced.group(1)}" if enhanced else "")
    if 400 <= code < 500:
        return AttemptResult(Outcome.RETRY, detail)
    if 500 <= code < 600:
        return AttemptResult(Outcome.DEAD, detail)
    # Anything else is a server misbehaving; it may behave next time.
    return AttemptResult(Outcome.RETRY, detail)


class SmtpTransport:
    """Sends through one SMTP server with the TLS its URL calls for (:mod:`gateway.mail.server`)."""

    def __init__(self, server: SmtpServer, *, timeout: float, ca_file: Path | None = None) -> None:
        self.server = server
        self.timeout = timeout
        self.ca_file = ca_file
        self._client: aiosmtplib.SMTP | None = None

    @property
    def label(self) -> str:
        return f"smtp {self.server.label} ({self.server.tls})"

    def _new_client(self) -> aiosmtplib.SMTP:
        tls = self.server.tls
        return aiosmtplib.SMTP(
            hostname=self.server.host,
            port=self.server.port,
            username=self.server.username,
            password=self.server.password,
            timeout=self.timeout,
            use_tls=tls is TlsMode.IMPLICIT,
            # True: upgrade or give up; None: upgrade when offered (loopback only).
            start_tls=None if tls is TlsMode.STARTTLS_IF_OFFERED else tls is TlsMode.STARTTLS,
            cert_bundle=str(self.ca_file) if self.ca_file else None,
        )

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = self._new_client()
        # connect() also upgrades to TLS and logs in, as configured above.
        await client.connect()
        self._client = client
        return client

    async def send(self, message: EmailMessage, sender: str, recipient: str) -> AttemptResult:
        try:
            client = await self._connected()
        except aiosmtplib.SMTPAuthenticationError as exc:
            self._drop()
            return AttemptResult(Outcome.RETRY, f"login refused: smtp {exc.code}")
        except TimeoutError:
            self._drop()
            return AttemptResult(Outcome.RETRY, f"{CONNECTION_FAILED} timed out")
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            tls_error = exc if isinstance(exc, ssl.SSLError) else exc.__cause__
            if isinstance(tls_error, ssl.SSLError):
                return AttemptResult(
                    Outcome.RETRY, f"tls failed: {tls_error.reason or 'handshake'}"
                )
            return AttemptResult(Outcome.RETRY, f"{CONNECTION_FAILED} failed")
        except aiosmtplib.SMTPResponseException as exc:
            self._drop()
            return AttemptResult(Outcome.RETRY, f"greeting refused: smtp {exc.code}")
        except aiosmtplib.SMTPException as exc:
            # STARTTLS required but not offered (nothing goes in plain text), or no AUTH.
            self._drop()
            missing = "tls" if "starttls" in str(exc).lower() else "login"
            return AttemptResult(Outcome.RETRY, f"{missing} not offered by the server")
        try:
            await client.send_message(message, sender=sender, recipients=[recipient])
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            return reply_result(refused.code, refused.message)
        except aiosmtplib.SMTPResponseException as exc:
            return reply_result(exc.code, exc.message)
        except aiosmtplib.SMTPNotSupported:
            # A non-ASCII address and a server without SMTPUTF8: it will not change its mind.
            return AttemptResult(Outcome.DEAD, "smtputf8 not supported")
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Cut off mid-way: the server may or may not have the message.
            self._drop()
            return AttemptResult(Outcome.RETRY, type(exc).__name__)
        return AttemptResult(Outcome.DELIVERED, "smtp 250")

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def finish(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            pass
        finally:
            client.close()


class FolderTransport:
    """Writes each message into ``folder`` as ``<ms>-<random>.eml`` (names sort by time), durably
    and atomically: a reader never sees half a file."""

    def __init__(self, folder: Path, *, clock: Clock = system_clock) -> None:
        self.folder = folder
        self.tmp = folder / ".tmp"
        self.clock = clock

    @property
    def label(self) -> str:
        return "folder"

    async def send(self, message: EmailMessage, sender: str, recipient: str) -> AttemptResult:
        name = f"{int(self.clock() * 1000):013d}-{secrets.token_hex(4)}.eml"
        try:
            await asyncio.to_thread(self._write, name, message.as_string())
        except OSError as exc:
            return AttemptResult(Outcome.RETRY, f"folder not writable: {type(exc).__name__}")
        return AttemptResult(Outcome.DELIVERED, "written")

    def _write(self, name: str, content: str) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / name, content.encode(), tmp_dir=self.tmp, mode=0o640)

    async def finish(self) -> None:
        return None
