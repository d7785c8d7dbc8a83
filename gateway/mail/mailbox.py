"""The folder mailbox of the embedded default: the ``.eml`` files the gateway wrote instead of
sending, newest first, for a demo page that shows what would have been sent."""

from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

# The names FolderTransport writes: milliseconds, a dash, random hex.
_NAME = re.compile(r"^(\d{13})-[0-9a-f]{8}\.eml$")


@dataclass(frozen=True)
class MailboxEntry:
    """One written message, as a list shows it."""

    name: str
    # When it was written (epoch seconds).
    written_at: float
    to: str
    subject: str
    message_id: str


def list_mailbox(folder: Path, limit: int = 50) -> list[MailboxEntry]:
    """The newest ``limit`` messages in ``folder`` (none when it does not exist yet)."""
    try:
        names = sorted(_names(folder), reverse=True)[:limit]
    except FileNotFoundError:
        return []
    out = []
    for name in names:
        try:
            with open(folder / name, "rb") as f:
                headers = email.parser.BytesHeaderParser(policy=email.policy.default).parse(f)
        except FileNotFoundError:
            continue  # removed since the listing
        out.append(
            MailboxEntry(
                name=name,
                written_at=int(name[:13]) / 1000,
                to=str(headers.get("To", "")),
                subject=str(headers.get("Subject", "")),
                message_id=str(headers.get("Message-ID", "")),
            )
        )
    return out


def read_mail(folder: Path, name: str) -> EmailMessage | None:
    """The message ``name`` from :func:`list_mailbox`, or None (also for any other name, so a
    name taken from a URL cannot reach outside the folder)."""
    if not _NAME.match(name):
        return None
    try:
        raw = (folder / name).read_bytes()
    except FileNotFoundError:
        return None
    return email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)


def _names(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if _NAME.match(p.name)]
