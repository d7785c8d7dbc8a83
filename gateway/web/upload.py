"""Documents over HTTP: an upload is the raw request body, its name in a header; a download is
an attachment the browser never renders.

An upload sends the file's bytes as the body (any ``Content-Type``; the type is read from the
content later, never from this header or the name) with ``X-Filename``, the name
percent-encoded as UTF-8 (``encodeURIComponent`` in a browser), shown as given, display only.
Raw bytes rather than ``multipart/form-data``: one file per request, nothing to parse, and the
size limit enforced on the stream.

A download answers ``Content-Disposition: attachment`` (an ASCII name and the RFC 5987 UTF-8
one), ``X-Content-Type-Options: nosniff``, ``Content-Security-Policy: sandbox`` (opened in a tab
anyway, it runs nothing) and ``Cache-Control: no-store``.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from gateway.errors import DocumentTooLarge, InvalidPayload, MalformedRequest

FILENAME_HEADER = "x-filename"
MAX_FILENAME_HEADER = 1000


async def read_upload(request: Request, max_bytes: int) -> tuple[str | None, bytes]:
    """``(name from X-Filename, body)``; :class:`~gateway.errors.DocumentTooLarge` past
    ``max_bytes``, from the declared length before a byte is read, or as the stream passes
    it."""
    too_large = DocumentTooLarge(
        f"A document may hold at most {max_bytes} bytes.", extra={"max_bytes": max_bytes}
    )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise InvalidPayload("Content-Length is not a number")
        digits = declared.lstrip("0") or "0"
        if len(digits) > len(str(max_bytes)) or int(digits) > max_bytes:
            raise too_large
    raw_name = request.headers.get(FILENAME_HEADER)
    if raw_name is not None and len(raw_name) > MAX_FILENAME_HEADER:
        raise InvalidPayload("X-Filename is too long")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise too_large
            chunks.append(chunk)
    except ClientDisconnect:
        raise MalformedRequest("the connection closed before the whole body arrived") from None
    name = unquote(raw_name, errors="replace") if raw_name else None
    return name, b"".join(chunks)


def attachment(data: bytes, filename: str, media_type: str) -> Response:
    """``data`` as a download named ``filename``, with the headers the module names."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    media = f"{media_type}; charset=utf-8" if media_type == "text/plain" else media_type
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
