"""The SMTP server from ``GATEWAY_SMTP_URL``, and the TLS the gateway insists on with it.

- ``smtps://user:pass@host:465`` — TLS from the first byte (implicit TLS).
- ``smtp://user:pass@host:587`` — STARTTLS, required: a server that does not offer it gets
  nothing, neither the credentials nor a message.
- ``smtp://host:25`` on any host that is not loopback — the same: STARTTLS required.
- ``smtp://127.0.0.1:25`` (or ``localhost``, ``::1``) on a port other than 587 — STARTTLS when
  the server offers it, plain otherwise: a relay on the same machine is the one case where
  plain SMTP crosses no network.

User and password are percent-decoded (a ``@`` in a password is written ``%40``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
SUBMISSION_PORT = 587


class TlsMode(StrEnum):
    IMPLICIT = "implicit"
    STARTTLS = "starttls"
    # Loopback only: upgrade when offered, plain otherwise.
    STARTTLS_IF_OFFERED = "starttls-if-offered"


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes and how the connection is protected."""

    host: str
    port: int
    tls: TlsMode
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """Host and port only, for logs and status output (never the credentials)."""
        return f"{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_smtp_url(url: str) -> SmtpServer:
    """The server of an ``smtp://`` or ``smtps://`` URL; raises :class:`ValueError` with a
    message that never repeats the URL (it may hold a password)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError("must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("needs a host (smtp://user:pass@mail.example:587)")
    host = parts.hostname
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise ValueError("the port must be a number between 1 and 65535") from None
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError("takes no path, query or fragment")
    if parts.password is not None and not parts.username:
        raise ValueError("a password needs a user name (smtp://user:pass@host)")
    if scheme == "smtps":
        tls = TlsMode.IMPLICIT
    elif port == SUBMISSION_PORT or not is_loopback(host):
        tls = TlsMode.STARTTLS
    else:
        tls = TlsMode.STARTTLS_IF_OFFERED
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpServer(host=host, port=port, tls=tls, username=username, password=password)
