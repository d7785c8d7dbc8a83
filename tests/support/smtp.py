"""A real SMTP server on loopback for tests (aiosmtpd in its own thread), which records what it
receives and can be told to answer a command with a failure first.

Any feature that sends mail can test against it: ``SmtpServer(port)``, ``start()``, send, and read
``handler.received``. ``stop()`` and ``start()`` again on the same port model an outage.
"""

from __future__ import annotations

import email.parser
import email.policy
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServerProtocol
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from tests.support.processes import free_port


@dataclass(frozen=True)
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    # Whether the connection was TLS (STARTTLS or implicit) when the message came.
    tls: bool
    # The user name the client logged in with, if it did.
    login: str | None

    def message(self) -> EmailMessage:
        return email.parser.BytesParser(policy=email.policy.default).parsebytes(self.content)


@dataclass
class Recorder:
    """The server's handler: answers RCPT and DATA with the scripted replies first (a ``2xx``
    one accepts as usual), then accepts."""

    # Replies given to RCPT / DATA before the next ones are accepted, e.g. ["451 4.3.0 Later"].
    rcpt_replies: list[str] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0
    mail_commands: int = 0
    # One per connection on a server without STARTTLS (a second after each STARTTLS).
    ehlo_commands: int = 0

    async def handle_EHLO(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        self.ehlo_commands += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        self.mail_commands += 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self.rcpt_replies.pop(0) if self.rcpt_replies else "250 OK"
        if not reply.startswith("2"):
            return reply
        envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(
        self, server: SMTPServerProtocol, session: Session, envelope: Envelope
    ) -> str:
        self.data_commands += 1
        reply = self.data_replies.pop(0) if self.data_replies else "250 OK queued"
        if not reply.startswith("2"):
            return reply
        auth: Any = session.auth_data
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(envelope.rcpt_tos),
                content=bytes(envelope.original_content or b""),
                tls=_is_tls(server, session),
                login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
            )
        )
        return reply


def _is_tls(server: SMTPServerProtocol, session: Session) -> bool:
    transport: Any = server.transport
    # STARTTLS sets session.ssl; with implicit TLS the transport itself is TLS.
    return session.ssl is not None or transport.get_extra_info("ssl_object") is not None


class Credentials:
    """An aiosmtpd authenticator accepting one user name and password."""

    def __init__(self, user: str, password: str) -> None:
        self.user = user.encode()
        self.password = password.encode()

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class Certificates:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost."""

    def __init__(self, folder: Path) -> None:
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = folder / "smtp-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(context)
        return context


class SmtpServer:
    """aiosmtpd's Controller on a fixed loopback port, so it can be stopped and started again.

    ``starttls``: a context offered through STARTTLS (and required before any mail);
    ``implicit_tls``: TLS from the first byte; ``auth``: login required.
    """

    def __init__(
        self,
        handler: Recorder | None = None,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        auth: Credentials | None = None,
    ) -> None:
        self.handler = handler or Recorder()
        self.port = free_port()
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.auth = auth
        self.controller: Controller | None = None

    def start(self) -> None:
        options: dict[str, Any] = {}
        if self.starttls is not None:
            options.update(tls_context=self.starttls, require_starttls=True)
        if self.auth is not None:
            options.update(authenticator=self.auth, auth_required=True)
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=self.implicit_tls,
            server_hostname="mx.test",
            **options,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def url(self, scheme: str = "smtp", userinfo: str = "") -> str:
        return f"{scheme}://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"
