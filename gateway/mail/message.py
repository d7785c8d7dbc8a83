"""One outgoing message: the typed :class:`Mail` record and the ``EmailMessage`` built from it.

A :class:`Mail` checks itself when it is made: the recipient is a valid address, no header value
holds a line break (so no one can slip a ``Bcc:`` in through a subject or a name), extra headers
are well-formed and never replace the ones the gateway sets. Whatever holds a ``Mail`` can send it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from gateway.errors import MailInvalid
from gateway.mail.address import address, has_control

MAX_SUBJECT = 998
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
HEADER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,75}$")
MESSAGE_ID = re.compile(r"^<[!-;=?-~]+@[!-;=?-~]+>$")
# Set by build_message from the record's own fields; an extra header may not replace them.
OWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "sender",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-language",
        "auto-submitted",
    }
)


@dataclass(frozen=True)
class Mail:
    """A message to one recipient. ``message_id`` (``<…@…>``) is given by the mailer when empty."""

    to: str
    subject: str
    text: str
    html: str | None = None
    language: str = "en"
    # Extra headers, e.g. ("List-Unsubscribe", "<https://…>"), in order.
    headers: tuple[tuple[str, str], ...] = ()
    message_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "to", address(self.to))
        if has_control(self.subject):
            raise MailInvalid("the subject contains a line break or control character")
        if not self.subject.strip() or len(self.subject) > MAX_SUBJECT:
            raise MailInvalid(f"the subject must have 1 to {MAX_SUBJECT} characters")
        if not LANGUAGE.match(self.language):
            raise MailInvalid("the language must be a language tag such as en or pt-BR")
        if self.message_id and not MESSAGE_ID.match(self.message_id):
            raise MailInvalid("the Message-ID must look like <unique@domain>")
        for name, value in self.headers:
            if not HEADER_NAME.match(name):
                raise MailInvalid("an extra header name must be letters, digits and dashes")
            if name.lower() in OWN_HEADERS:
                raise MailInvalid(f"the {name} header is set by the gateway")
            if has_control(value):
                raise MailInvalid(f"the {name} header contains a line break or control character")

    def to_record(self) -> dict[str, Any]:
        """The queued form: JSON-ready, with the Message-ID as the record's id."""
        return {
            "record_id": self.message_id,
            "to": self.to,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "language": self.language,
            "headers": [list(h) for h in self.headers],
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Mail:
        """The message back from its queued form (checked again)."""
        try:
            return cls(
                to=str(record["to"]),
                subject=str(record["subject"]),
                text=str(record["text"]),
                html=None if record.get("html") is None else str(record["html"]),
                language=str(record.get("language", "en")),
                headers=tuple((str(n), str(v)) for n, v in record.get("headers", ())),
                message_id=str(record["record_id"]),
            )
        except (KeyError, TypeError, ValueError):
            raise MailInvalid("the queued message is incomplete") from None


def build_message(mail: Mail, sender: tuple[str, str], date: float) -> EmailMessage:
    """``mail`` as a MIME message from ``sender`` (name, address), dated ``date`` (epoch
    seconds: when it was queued, so a retried message keeps its date)."""
    message = EmailMessage()
    message["From"] = formataddr(sender)
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(date, usegmt=True)
    message["Message-ID"] = mail.message_id
    # RFC 3834: an automatic message; vacation responders must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    # After the bodies: making the message multipart moves Content-* headers into its first part.
    message["Content-Language"] = mail.language
    return message
