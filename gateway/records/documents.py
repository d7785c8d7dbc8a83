"""Documents of a rights request, both ways: the requester's (an ID, a reply) and the owner's
(a question, the answer), kept in the store sealed at rest.

Whatever a document's name says, its type is read from its first bytes (``filetype``): PDF,
PNG, JPEG, or plain UTF-8 text; anything else is refused, so an ``.exe`` renamed ``.pdf`` never
gets in, and a PNG named ``.pdf`` is kept as the PNG it is. The name is kept for display only,
cleaned of paths and control characters. The content is sealed with AES-256-GCM by the running
gateway's sealer (the two-factor secrets' keys, :mod:`gateway.accounts.sealing`), with
``rights-document:<reference>:<id>`` as associated data: a sealed document copied to another
row or request does not open.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import filetype
from sqlalchemy import Row, func, select

from gateway.errors import Conflict, DocumentTooLarge, NotFound, UnsupportedMediaType
from gateway.records.tables import rights_documents

if TYPE_CHECKING:
    from gateway.records.store import RecordStore

REQUESTER = "requester"
OWNER = "owner"
SENDERS = (REQUESTER, OWNER)
ALLOWED_TYPES = ("application/pdf", "image/png", "image/jpeg", "text/plain")
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "text/plain": "txt",
}
MAX_FILENAME = 120


class DocumentSealer(Protocol):
    """What seals and opens a document's bytes (the gateway's :class:`Sealer`)."""

    def seal_bytes(self, data: bytes, context: str) -> bytes: ...

    def open_bytes(self, stored: bytes, context: str) -> bytes: ...


class DocumentTypeRefused(UnsupportedMediaType):
    """The document's content is not of an accepted type (``extra``: the accepted ones)."""

    code = "document_type_refused"
    title = "Document type not accepted"


class TooManyDocuments(Conflict):
    """The request holds ``GATEWAY_SPACE_DOCUMENTS_PER_REQUEST`` documents already."""

    code = "too_many_documents"
    title = "Too many documents"


@dataclass(frozen=True)
class Document:
    id: str
    reference: str
    sender: str  # "requester" or "owner"
    is_answer: bool
    filename: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime


def sniff(data: bytes, accepted: Sequence[str] = ALLOWED_TYPES) -> str:
    """The media type of ``data`` read from its content; :class:`DocumentTypeRefused` for any
    type not in ``accepted`` (an empty document included). Plain text is UTF-8 without control
    characters other than tabs, line and page breaks."""
    names = ", ".join(EXTENSIONS[t].upper() for t in accepted)
    refused = DocumentTypeRefused(
        f"Send a document of one of these types: {names}.", extra={"accepted": list(accepted)}
    )
    if not data:
        raise refused
    kind = filetype.guess(data)
    if kind is not None:
        if kind.mime in accepted:
            return str(kind.mime)
        raise refused
    if "text/plain" not in accepted:
        raise refused
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise refused from None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
        raise refused
    return "text/plain"


def clean_filename(raw: str | None, media_type: str) -> str:
    """A name to show: the last part of ``raw`` without control or path characters, at most
    :data:`MAX_FILENAME` characters; ``document.<ext>`` when nothing is left."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*'
    ).strip(" .")
    return name[:MAX_FILENAME] or f"document.{EXTENSIONS[media_type]}"


def _context(reference: str, document_id: str) -> str:
    return f"rights-document:{reference}:{document_id}"


def _sealer(store: RecordStore) -> DocumentSealer:
    if store.sealer is None:
        raise NotFound("This gateway keeps no documents.")
    return store.sealer


def _document(r: Row[Any]) -> Document:
    return Document(
        r.id,
        r.reference,
        r.sender,
        bool(r.is_answer),
        r.filename,
        r.media_type,
        r.size,
        r.sha256,
        r.created_at,
    )


async def add(
    store: RecordStore,
    reference: str,
    *,
    sender: str,
    filename: str | None,
    data: bytes,
    max_bytes: int,
    max_count: int,
    is_answer: bool = False,
) -> Document:
    """Keep ``data`` as a document of ``reference``, sealed; refuses a type not accepted, a
    document over ``max_bytes`` and one past ``max_count`` for the request."""
    assert sender in SENDERS
    if len(data) > max_bytes:
        raise DocumentTooLarge(
            f"A document may hold at most {max_bytes} bytes.", extra={"max_bytes": max_bytes}
        )
    media_type = sniff(data)
    sealer = _sealer(store)
    found = await store.get_rights(reference)
    if found.anonymised_at is not None:
        raise NotFound("No rights request with that reference.")
    document = Document(
        id=secrets.token_hex(16),
        reference=reference,
        sender=sender,
        is_answer=is_answer and sender == OWNER,
        filename=clean_filename(filename, media_type),
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=store.clock(),
    )
    sealed = sealer.seal_bytes(data, _context(reference, document.id))
    d = rights_documents
    async with store.writing() as conn:
        count = (
            await conn.execute(select(func.count()).where(d.c.reference == reference))
        ).scalar_one()
        if count >= max_count:
            raise TooManyDocuments(f"A request holds at most {max_count} documents.")
        await conn.execute(d.insert().values(**asdict(document), content=sealed))
    return document


COLUMNS = [c for c in rights_documents.c if c.name != "content"]


async def listing(store: RecordStore, reference: str) -> list[Document]:
    """The request's documents, oldest first (their content not read)."""
    d = rights_documents
    query = select(*COLUMNS).where(d.c.reference == reference).order_by(d.c.created_at, d.c.id)
    async with store.reading() as conn:
        return [_document(r) for r in await conn.execute(query)]


async def read(store: RecordStore, reference: str, document_id: str) -> tuple[Document, bytes]:
    """One document of ``reference`` and its content, opened; NotFound for any other id."""
    d = rights_documents
    if not 0 < len(document_id) <= 32:
        raise NotFound("No such document.")
    query = select(d).where(d.c.reference == reference, d.c.id == document_id)
    async with store.reading() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound("No such document.")
    data = _sealer(store).open_bytes(row.content, _context(reference, document_id))
    return _document(row), data


async def answer(store: RecordStore, reference: str) -> Document | None:
    """The newest document the owner attached as the answer, if any."""
    found = [doc for doc in await listing(store, reference) if doc.is_answer]
    return found[-1] if found else None
