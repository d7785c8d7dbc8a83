"""The agent's authorisation document: its type read from its content, its size limited, and
sealed at rest.

The type is what the bytes are (``filetype``'s signatures: ``%PDF-``, the PNG and JPEG magic
numbers), never what the file is called or what the browser says: a PNG named ``.pdf`` is kept
as a PNG, and an executable named ``.pdf`` is refused. The document is sealed with AES-256-GCM
under the gateway's sealing keys (:mod:`gateway.accounts.sealing`), the request's reference
bound in as associated data: a sealed document copied to another request's row does not open.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

from gateway.accounts.sealing import Sealer
from gateway.errors import GatewayError, PayloadTooLarge

# What an authorisation may be: a signed PDF, or a photo or scan of a signed page.
ACCEPTED = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class DocumentRefused(GatewayError):
    """The file is not a PDF, PNG or JPEG by its content (whatever its name says)."""

    status = 415
    code = "document_type_refused"
    title = "This kind of file is not accepted"


class DocumentTooLarge(PayloadTooLarge):
    code = "document_too_large"
    title = "The document is too large"


@dataclass(frozen=True)
class Document:
    """A document accepted: its bytes and the type found in them."""

    content: bytes
    media_type: str

    @property
    def extension(self) -> str:
        return ACCEPTED[self.media_type]


def accept(content: bytes, max_bytes: int) -> Document:
    """``content`` as a :class:`Document`, or :class:`DocumentTooLarge` /
    :class:`DocumentRefused`."""
    if len(content) > max_bytes:
        raise DocumentTooLarge(f"the document may hold at most {max_bytes} bytes")
    kind = filetype.guess(content) if content else None
    media_type = getattr(kind, "mime", None)
    if media_type not in ACCEPTED:
        raise DocumentRefused("send a PDF, PNG or JPEG file; its content decides, not its name")
    return Document(content, str(media_type))


def context(reference: str) -> str:
    """The associated data that binds a sealed document to its request."""
    return f"rights-agent-document/{reference}"


def seal(sealer: Sealer, reference: str, document: Document) -> bytes:
    return sealer.seal_bytes(document.content, context(reference))


def unseal(sealer: Sealer, reference: str, sealed: bytes) -> bytes:
    return sealer.open_bytes(sealed, context(reference))
