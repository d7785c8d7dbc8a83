"""Signing with ``itsdangerous``: one serializer per purpose, secrets as a rotation list.

Each purpose (``receipt``, ``form-token``, ``assertion``, …) has its own salt, so a value signed
for one purpose never verifies as another. Secrets are newest first: new values are signed with the
first, and every secret in the list still verifies, so a secret can be rotated without breaking
receipts already handed out.
"""

from __future__ import annotations

from collections.abc import Sequence

from itsdangerous import URLSafeTimedSerializer

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
