"""The agent's authorisation document: its type read from its content, its size limited, and
sealed at rest.

The type is what the bytes are, read as the requester's space reads its documents
(:func:`gateway.records.documents.sniff`: ``filetype``'s signatures, ``%PDF-`` and the PNG and
JPEG magic numbers), never what the file is called or what the browser says: a PNG named
``.pdf`` is kept as a PNG, and an executable named ``.pdf`` is refused. The document is sealed
with AES-256-GCM under the gateway's sealing keys (:mod:`gateway.accounts.sealing`), the
request's reference bound in as associated data: a sealed document copied to another request's
row does not open.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.accounts.sealing import Sealer
from gateway.errors import DocumentTooLarge
from gateway.records.documents import EXTENSIONS, sniff

__all__ = ["ACCEPTED", "EXTENSIONS", "Document", "accept", "context", "seal", "unseal"]

# What an authorisation may be: a signed PDF, or a photo or scan of a signed page.
ACCEPTED = ("application/pdf", "image/png", "image/jpeg")


@dataclass(frozen=True)
class Document:
    """A document accepted: its bytes and the type found in them."""

    content: bytes
    media_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.media_type]


def accept(content: bytes, max_bytes: int) -> Document:
    """``content`` as a :class:`Document`; :class:`~gateway.errors.DocumentTooLarge` or
    :class:`~gateway.records.documents.DocumentTypeRefused` otherwise (the requester's space
    reads documents the same way, plain text accepted there too)."""
    if len(content) > max_bytes:
        raise DocumentTooLarge(
            f"the document may hold at most {max_bytes} bytes", extra={"max_bytes": max_bytes}
        )
    return Document(content, sniff(content, ACCEPTED))


def context(reference: str) -> str:
    """The associated data that binds a sealed document to its request."""
    return f"rights-agent-document/{reference}"


def seal(sealer: Sealer, reference: str, document: Document) -> bytes:
    return sealer.seal_bytes(document.content, context(reference))


def unseal(sealer: Sealer, reference: str, sealed: bytes) -> bytes:
    return sealer.open_bytes(sealed, context(reference))
