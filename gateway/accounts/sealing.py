"""Two-factor secrets sealed at rest with AES-256-GCM (``cryptography``).

A sealed value reads ``gcm1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``: a fresh 96-bit
nonce per value, and the row's person id and column as associated data, so a sealed secret copied
into another person's row (or from the pending column to the active one) does not open. The key
id is the first 8 hex digits of the key's SHA-256, so the right key of a rotation list is picked
without trying each.

Keys come from ``GATEWAY_SECRETS_KEY`` (newest first); unset, the embedded default creates one in
its data folder, and a gateway with Redis derives them (HKDF-SHA256, a label of this purpose) from
its signing secrets, which every instance of a fleet shares. A value written before sealing
existed (plaintext), or sealed with an older key, still opens: :meth:`Sealer.open` says so, and
the store seals it again with the newest key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.durable import create_once
from gateway.settings import Settings
from gateway.signin_settings import parse_secrets_keys

PREFIX = "gcm1"
KEY_FILE = "secrets_key"
HKDF_INFO = b"widget-gateway two-factor secrets v1"


class SealedValueUnreadable(Exception):
    """A sealed value whose key is not configured, or that was altered."""


@dataclass(frozen=True)
class Opened:
    value: str
    stale: bool  # plaintext, or sealed with an older key: seal it again


def _key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sealer:
    """Seals with the first key; opens with whichever key sealed the value."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._newest = _key_id(keys[0])
        self._keys = {_key_id(k): AESGCM(k) for k in reversed(keys)}

    def seal(self, value: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self._newest].encrypt(nonce, value.encode(), context.encode())
        return f"{PREFIX}:{self._newest}:{_b64(nonce + sealed)}"

    def open(self, stored: str, context: str) -> Opened:
        if not stored.startswith(PREFIX + ":"):
            return Opened(stored, stale=True)  # written before sealing existed
        _, key_id, body = stored.split(":", 2)
        cipher = self._keys.get(key_id)
        if cipher is None:
            raise SealedValueUnreadable("sealed with a key that is not configured")
        try:
            data = _unb64(body)
            value = cipher.decrypt(data[:12], data[12:], context.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise SealedValueUnreadable("the sealed value does not open") from exc
        return Opened(value, stale=key_id != self._newest)

    def seal_bytes(self, data: bytes, context: str) -> bytes:
        """``data`` sealed as bytes (a file): ``gcm1:<key id>:`` then nonce ‖ ciphertext ‖ tag,
        with ``context`` as associated data. Unlike :meth:`seal`, nothing is base64-encoded,
        so a document takes its own size in the store, plus 42 bytes."""
        nonce = os.urandom(12)
        sealed = self._keys[self._newest].encrypt(nonce, data, context.encode())
        return f"{PREFIX}:{self._newest}:".encode() + nonce + sealed

    def open_bytes(self, stored: bytes, context: str) -> bytes:
        """What :meth:`seal_bytes` sealed with ``context``; :class:`SealedValueUnreadable` when
        the key is not configured, the value was altered or the context is another."""
        head = len(PREFIX) + 10  # "gcm1:" + 8 hex digits + ":"
        if stored[: len(PREFIX) + 1] != f"{PREFIX}:".encode() or len(stored) < head + 28:
            raise SealedValueUnreadable("not a sealed value")
        cipher = self._keys.get(stored[len(PREFIX) + 1 : head - 1].decode("ascii", "replace"))
        if cipher is None:
            raise SealedValueUnreadable("sealed with a key that is not configured")
        try:
            return cipher.decrypt(stored[head : head + 12], stored[head + 12 :], context.encode())
        except InvalidTag as exc:
            raise SealedValueUnreadable("the sealed value does not open") from exc


def sealer_for(settings: Settings) -> Sealer:
    """The sealer of a running gateway, with its keys picked as the module says."""
    if settings.secrets_key is not None:
        return Sealer(parse_secrets_keys(str(settings.secrets_key)))
    if settings.embedded:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        stored = create_once(settings.data_dir / KEY_FILE, lambda: _b64(secrets.token_bytes(32)))
        return Sealer(parse_secrets_keys(stored))
    return Sealer([_derive(secret) for secret in settings.signing_secrets()])


def _derive(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return hkdf.derive(secret.encode())
