"""The agent's document: its type read from its content whatever its name, its size limited,
and sealed as bytes under the rotating sealing keys, bound to its request."""

from __future__ import annotations

import secrets

import pytest

from gateway.accounts.sealing import SealedValueUnreadable, Sealer
from gateway.agents import documents
from gateway.errors import DocumentTooLarge
from gateway.records.documents import DocumentTypeRefused as DocumentRefused

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


@pytest.mark.parametrize(
    ("content", "media_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
    ids=["pdf", "png", "jpeg"],
)
def test_the_type_is_the_contents(content: bytes, media_type: str) -> None:
    assert documents.accept(content, 1024).media_type == media_type


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00" + b"\x00" * 60,  # a Windows executable
        b"\x7fELF\x02\x01\x01" + b"\x00" * 60,  # a Linux one
        b"<html><script>alert(1)</script></html>",
        b"GIF89a" + b"\x00" * 20,
        b"PK\x03\x04" + b"\x00" * 40,  # a zip (or an office file)
        b"",
    ],
    ids=["exe", "elf", "html", "gif", "zip", "empty"],
)
def test_anything_else_is_refused(content: bytes) -> None:
    with pytest.raises(DocumentRefused):
        documents.accept(content, 1024)


def test_the_size_is_limited() -> None:
    assert documents.accept(PDF + b"x" * (100 - len(PDF)), 100).media_type == "application/pdf"
    with pytest.raises(DocumentTooLarge):
        documents.accept(PDF + b"x" * (101 - len(PDF)), 100)


def test_sealed_bytes_open_for_their_request_only_and_across_a_rotation() -> None:
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    document = documents.accept(PNG, 1024)
    sealed = documents.seal(Sealer([old]), "RR-AAAA-BBBB", document)
    assert PNG[:8] not in sealed and sealed.startswith(b"gcm1:")
    rotated = Sealer([new, old])
    assert documents.unseal(rotated, "RR-AAAA-BBBB", sealed) == PNG
    for sealer, reference, value in [
        (rotated, "RR-CCCC-DDDD", sealed),  # copied to another request's row
        (Sealer([new]), "RR-AAAA-BBBB", sealed),  # the old key dropped
        (rotated, "RR-AAAA-BBBB", sealed[:-1] + bytes([sealed[-1] ^ 1])),  # altered
        (rotated, "RR-AAAA-BBBB", b"plain"),
    ]:
        with pytest.raises(SealedValueUnreadable):
            documents.unseal(sealer, reference, value)
