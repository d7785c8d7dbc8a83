"""Signing with ``itsdangerous``: one serializer per purpose, secrets as a rotation list.

Each purpose (``receipt``, ``form-token``, ``assertion``, …) has its own salt, so a value signed
for one purpose never verifies as another. Secrets are newest first: new values are signed with the
first, and every secret in the list still verifies, so a secret can be rotated without breaking
receipts already handed out.

Payloads are encoded with ``orjson`` and not compressed: they are a few hundred bytes, where zlib
saved a third of the length for half of the signing time of a consent receipt. Values signed
before (compressed, or by the standard library's encoder) verify as before: both are read.

The signer of each salt is built once, with its derived keys kept and the HMAC computed in one
call: itsdangerous builds a new signer, derives its key again and runs ``hmac.new`` on every
value, a third of a receipt's signing time. The signatures are the very same bytes.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

import orjson
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode
from itsdangerous.signer import HMACAlgorithm, Signer

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


class _OneCallHMAC(HMACAlgorithm):
    """itsdangerous' HMAC, computed by ``hmac.digest`` (one C call, the same bytes)."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, self.digest_method)


class _KeptKeySigner(TimestampSigner):
    """A timestamp signer whose derived keys are kept: a key depends only on the secret, the
    salt and the derivation, all fixed for the signer's life."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_keys: dict[str | bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self._kept_keys.get(secret_key)
        if key is None:
            key = self._kept_keys[secret_key] = super().derive_key(secret_key)
        return key


class FastSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that encodes with orjson, never compresses and reuses its
    signers."""

    default_serializer = _Json
    default_signer = _KeptKeySigner

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(orjson.dumps(obj))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[str | bytes | None, Signer] = {}

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        found = self._signers.get(salt)
        if found is None:
            found = super().make_signer(salt)
            found.algorithm = _OneCallHMAC(found.digest_method)
            self._signers[salt] = found
        return found


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
