"""Signing secrets and signatures, per the Standard Webhooks specification.

A secret is ``whsec_`` followed by 32 random bytes in base64; it is shown once, when an endpoint
is created or its secret rotated. A message is signed by the ``standardwebhooks`` library over
``{webhook-id}.{webhook-timestamp}.{body}`` (HMAC-SHA256); during a rotation's overlap it is
signed with both secrets, space-separated in ``webhook-signature``, so a receiver that still has
the old secret, or already the new one, accepts it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def headers(message_id: str, at: datetime, body: str, keys: Sequence[str]) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` sent at ``at``."""
    sent = datetime.fromtimestamp(int(at.timestamp()), UTC)
    signatures = [Webhook(key).sign(message_id, sent, body) for key in keys]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
