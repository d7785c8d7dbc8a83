"""Consent receipts: a signed, timed summary of a record, handed to the visitor's browser.

A receipt is proof that the gateway received a choice: the site's backend (or an auditor) sends it
to ``POST /v1/receipts/verify`` with the key's private key and learns whether it is genuine and what
it says. It is signed with the ``receipt`` serializer (its own salt; secrets rotate newest first)
and holds no client IP or user agent, since it lives in the visitor's storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadData, BadSignature, SignatureExpired

from gateway.consent.records import ConsentRecord
from gateway.signing import Signing, is_canonical

PURPOSE = "receipt"
MAX_RECEIPT = 4096


@dataclass(frozen=True)
class ReceiptCheck:
    """The outcome of verifying one receipt for one key."""

    valid: bool
    reason: str | None = None  # "malformed", "bad_signature", "expired", "other_key"
    record: dict[str, Any] | None = None
    issued_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        if not self.valid:
            return {"valid": False, "reason": self.reason}
        return {"valid": True, "record": self.record, "issued_at": self.issued_at}


def receipt_content(record: ConsentRecord) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "consent_id": record.consent_id,
        "action": record.action,
        "categories": dict(record.categories),
        "services": dict(record.services),
        "policy_version": record.policy_version,
        "gpc": record.gpc,
        "public_key": record.public_key,
        "origin": record.origin,
        "page_url": record.page_url,
        "received_at": record.received_at,
        # what the visitor was shown, when the widget said (receipts before it lack the field)
        **({"config_digest": record.config_digest} if record.config_digest else {}),
    }


def issue(signing: Signing, record: ConsentRecord) -> str:
    return signing.serializer(PURPOSE).dumps(receipt_content(record))


def verify(
    signing: Signing, receipt: str, public_key: str, max_age: int | None = None
) -> ReceiptCheck:
    """Whether ``receipt`` is genuine and was issued for ``public_key``."""
    if not receipt or len(receipt) > MAX_RECEIPT or not is_canonical(receipt):
        return ReceiptCheck(False, "malformed")
    try:
        content, signed_at = signing.serializer(PURPOSE).loads(
            receipt, max_age=max_age, return_timestamp=True
        )
    except SignatureExpired:
        return ReceiptCheck(False, "expired")
    except BadSignature:
        return ReceiptCheck(False, "bad_signature")
    except BadData:
        return ReceiptCheck(False, "malformed")
    if not isinstance(content, dict) or content.get("public_key") != public_key:
        # Genuine, but another key's: an account only learns about its own records.
        return ReceiptCheck(False, "other_key")
    issued = signed_at.astimezone(UTC) if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)
    return ReceiptCheck(True, record=content, issued_at=_iso(issued))


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")
