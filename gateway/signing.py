"""Signing with ``itsdangerous``: one serializer per purpose, secrets as a rotation list.

Each purpose (``receipt``, ``form-token``, ``assertion``, …) has its own salt, so a value signed
for one purpose never verifies as another. Secrets are newest first: new values are signed with the
first, and every secret in the list still verifies, so a secret can be rotated without breaking
receipts already handed out.
"""

from __future__ import annotations

from collections.abc import Sequence

from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

SALT_PREFIX = "widget-gateway."


class Signing:
    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("at least one signing secret is required")
        self.secrets = list(secrets)
        self._serializers: dict[str, URLSafeTimedSerializer] = {}

    def serializer(self, purpose: str) -> URLSafeTimedSerializer:
        """The serializer for ``purpose``, built once and reused."""
        found = self._serializers.get(purpose)
        if found is None:
            # itsdangerous signs with the last secret of the list and verifies with all of them.
            found = URLSafeTimedSerializer(list(reversed(self.secrets)), salt=SALT_PREFIX + purpose)
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
