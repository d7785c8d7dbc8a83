"""Signing with ``itsdangerous``: one serializer per purpose, secrets as a rotation list.

Each purpose (``receipt``, ``form-token``, ``assertion``, …) has its own salt, so a value signed
for one purpose never verifies as another. Secrets are newest first: new values are signed with the
first, and every secret in the list still verifies, so a secret can be rotated without breaking
receipts already handed out.

Payloads are encoded with ``orjson`` and not compressed: they are a few hundred bytes, where zlib
saved a third of the length for half of the signing time of a consent receipt. Values signed
before (compressed, or by the standard library's encoder) verify as before: both are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

SALT_PREFIX = "widget-gateway."


class _Json:
    """The payload encoder: ``orjson``, compact like itsdangerous' own."""

    @staticmethod
    def dumps(obj: Any) -> str:
        # Text, so that itsdangerous hands out ``str`` values (it asks the encoder once).
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(data: str | bytes) -> Any:
        return orjson.loads(data)


class FastSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that encodes with orjson and never compresses."""

    default_serializer = _Json

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(orjson.dumps(obj))


class Signing:
    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("at least one signing secret is required")
        self.secrets = list(secrets)
        self._serializers: dict[str, FastSerializer] = {}

    def serializer(self, purpose: str) -> FastSerializer:
        """The serializer for ``purpose``, built once and reused."""
        found = self._serializers.get(purpose)
        if found is None:
            # itsdangerous signs with the last secret of the list and verifies with all of them.
            found = FastSerializer(list(reversed(self.secrets)), salt=SALT_PREFIX + purpose)
            self._serializers[purpose] = found
        return found


def is_canonical(signed: str) -> bool:
    """Whether every part of a signed value is in its one canonical base64 form.

    Unpadded base64 leaves spare bits in a part's last character, so several strings decode to
    the same bytes and verify alike; a receipt or token must be accepted in one spelling only,
    or a value seen once could be told apart from "the same" value seen again.
    """
    parts = signed.removeprefix(".").split(".")
    try:
        return all(base64_encode(base64_decode(part)).decode() == part for part in parts)
    except Exception:  # itsdangerous raises BadData for characters outside the alphabet
        return False
