"""One outgoing message: the typed :class:`Mail` record and the ``EmailMessage`` built from it.

A :class:`Mail` checks itself when it is made: the recipient is a valid address, no header value
holds a line break (so no one can slip a ``Bcc:`` in through a subject or a name), extra headers
are well-formed and never replace the ones the gateway sets. Whatever holds a ``Mail`` can send it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr

from gateway import problems as rule
from gateway.clock import utc
from gateway.delivery.envelope import Envelope, timestamp
from gateway.mail.address import address, has_control, invalid

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


# Headers whose values are new in every message: not worth keeping.
_UNIQUE_HEADERS = frozenset({"to", "date", "message-id"})
# At most this many distinct recurring values are kept (cleared when full).
KEPT_VALUES = 512


def _recurs(name: str, value: str) -> bool:
    """Whether ``value`` may come back in the next message (a multipart's boundary never does)."""
    lowered = name.lower()
    if lowered in _UNIQUE_HEADERS:
        return False
    return not (lowered == "content-type" and "boundary=" in value)


class _KeptHeaderClasses(HeaderRegistry):
    """The standard header registry, its classes made once per header name, and the header
    objects of recurring values (the sender, a subject, each part's Content-Type) parsed once:
    the stdlib makes a new class for every header it sets and parses every value again, which
    was most of building a message. Header objects are immutable, so messages can share them."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}
        self._parsed: dict[tuple[str, str], BaseHeader] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: str) -> BaseHeader:
        if not _recurs(name, value):
            return self[name](name, value)
        found = self._parsed.get((name, value))
        if found is None:
            if len(self._parsed) >= KEPT_VALUES:
                self._parsed.clear()
            found = self._parsed[(name, value)] = self[name](name, value)
        return found


class _KeptFolds(EmailPolicy):
    """The default policy, remembering how each recurring header folds (per line length and
    line ending, which the folding depends on)."""

    def fold(self, name: str, value: str) -> str:
        if not hasattr(value, "name") or not _recurs(name, value):
            folded: str = super().fold(name, value)
            return folded
        key = (name, str(value), self.max_line_length, self.linesep, self.utf8)
        found = _FOLDED.get(key)
        if found is None:
            if len(_FOLDED) >= KEPT_VALUES:
                _FOLDED.clear()
            found = _FOLDED[key] = super().fold(name, value)
        return found


_FOLDED: dict[tuple[str, str, int | None, str, bool], str] = {}
# The ``email`` package's default policy (RFC 5322, lines folded at 78), with the kept classes,
# header objects and folds.
POLICY = _KeptFolds(header_factory=_KeptHeaderClasses())


@dataclass(frozen=True)
class Mail:
    """A message to one recipient. ``message_id`` (``<…@…>``) is given by the mailer when empty."""

    # Out of repr: an address is personal data, and bodies carry codes and reset links.
    to: str = field(repr=False)
    subject: str
    text: str = field(repr=False)
    html: str | None = field(default=None, repr=False)
    language: str = "en"
    # Extra headers, e.g. ("List-Unsubscribe", "<https://…>"), in order.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    message_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "to", address(self.to))
        if has_control(self.subject):
            raise invalid(
                "subject",
                rule.CONTROL_CHARACTERS,
                "the subject contains a line break or control character",
            )
        if not self.subject.strip() or len(self.subject) > MAX_SUBJECT:
            code = rule.TOO_LONG if self.subject.strip() else rule.MISSING
            raise invalid("subject", code, f"the subject must have 1 to {MAX_SUBJECT} characters")
        if not LANGUAGE.match(self.language):
            raise invalid(
                "language",
                rule.INVALID_FORMAT,
                "the language must be a language tag such as en or pt-BR",
            )
        if self.message_id and not MESSAGE_ID.match(self.message_id):
            raise invalid(
                "message_id", rule.INVALID_FORMAT, "the Message-ID must look like <unique@domain>"
            )
        for name, value in self.headers:
            if not HEADER_NAME.match(name):
                raise invalid(
                    "headers",
                    rule.INVALID_FORMAT,
                    "an extra header name must be letters, digits and dashes",
                )
            if name.lower() in OWN_HEADERS:
                raise invalid("headers", rule.CONFLICT, f"the {name} header is set by the gateway")
            if has_control(value):
                raise invalid(
                    "headers",
                    rule.CONTROL_CHARACTERS,
                    f"the {name} header contains a line break or control character",
                )

    def envelope(self, at: float) -> Envelope:
        """The queued form, queued at ``at``: the Message-ID is the envelope's id."""
        body = {
            "to": self.to,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "language": self.language,
            "headers": [list(h) for h in self.headers],
        }
        return Envelope("mail", self.message_id, timestamp(utc(at)), "", "", "", body)

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> Mail:
        """The message back from its queued form (checked again)."""
        body = envelope.body
        try:
            return cls(
                to=str(body["to"]),
                subject=str(body["subject"]),
                text=str(body["text"]),
                html=None if body.get("html") is None else str(body["html"]),
                language=str(body.get("language", "en")),
                headers=tuple((str(n), str(v)) for n, v in body.get("headers", ())),
                message_id=envelope.id,
            )
        except (KeyError, TypeError, ValueError):
            raise invalid("record", rule.MISSING, "the queued message is incomplete") from None


# A dot-atom local part (RFC 5322 3.2.3) at an ASCII domain: written as it is, never quoted.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"^{_ATOM}(\.{_ATOM})*@[A-Za-z0-9.-]+$")


def _set_plain(message: EmailMessage, name: str, value: str, plain: bool) -> None:
    """Set a header that is new in every message (so the kept header objects cannot help).

    When ``value`` is ``plain`` (ASCII that the header's class would write back unchanged) and
    fits on one line, it is stored as it is (``set_raw``), which the generator writes without
    parsing it into a header object and folding that: most of building a message. Anything else
    takes the policy's own route. The text written is the same either way
    (``tests/mail/test_message.py`` compares the two)."""
    if plain and len(name) + 2 + len(value) <= (POLICY.max_line_length or 78):
        message.set_raw(name, value)
    else:
        message[name] = value


def build_message(mail: Mail, sender: tuple[str, str], date: float) -> EmailMessage:
    """``mail`` as a MIME message from ``sender`` (name, address), dated ``date`` (epoch
    seconds: when it was queued, so a retried message keeps its date)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = formataddr(sender)
    _set_plain(message, "To", mail.to, _PLAIN_ADDRESS.match(mail.to) is not None)
    message["Subject"] = mail.subject
    # As the Date header class writes it (numeric zone), so the plain form is the same text.
    _set_plain(message, "Date", format_datetime(datetime.fromtimestamp(date, UTC)), True)
    _set_plain(message, "Message-ID", mail.message_id, True)  # checked by Mail: printable ASCII
    # RFC 3834: an automatic message; vacation responders must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
        # A boundary of our own: the generator's would compile a new regular expression for
        # every message to check it against the parts. "=_" never occurs in quoted-printable
        # or base64 text, and a 7bit body holding these random 32 digits is out of reach.
        message.set_boundary("=_" + secrets.token_hex(16))
    # After the bodies: making the message multipart moves Content-* headers into its first part.
    message["Content-Language"] = mail.language
    return message
