"""Between the records the widgets' endpoints make, the rows of the tables, and what the store
hands out.

The sinks receive records in envelopes whose bodies are the records' JSON form
(``ConsentRecord.to_json()``, ``RightsRequest.to_json()``, what the JSON-lines files hold);
:func:`consent_record` and :func:`rights_request` turn them back into the typed records,
refusing anything malformed with :class:`~gateway.errors.InvalidPayload` (an import of a
hand-edited file, say).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row

from gateway.consent.records import ConsentRecord
from gateway.errors import InvalidPayload
from gateway.records.deadlines import Deadline
from gateway.records.model import RECEIVED, StoredConsent, StoredRightsRequest
from gateway.rights.requests import RightsRequest, Submission, normalise_email

_CONSENT_FIELDS = tuple(f.name for f in fields(ConsentRecord) if f.default is MISSING)
# Fields later releases added: records written before them (files, imports) lack them.
_CONSENT_OPTIONAL = {f.name: f.default for f in fields(ConsentRecord) if f.default is not MISSING}
_TEXT_FIELDS = (
    "given_name",
    "family_name",
    "customer_reference",
    "requester_type",
    "message",
    "agent_name",
    "agent_email",
)


def consent_record(data: Mapping[str, Any]) -> ConsentRecord:
    """A consent sink record (its JSON form) as the typed record."""
    try:
        given = {name: data[name] for name in _CONSENT_FIELDS}
        given |= {name: data.get(name, default) for name, default in _CONSENT_OPTIONAL.items()}
        record = ConsentRecord(**given)
    except KeyError as exc:
        raise InvalidPayload(f"A consent record lacks the field {exc.args[0]!r}.") from None
    for name in ("record_id", "consent_id", "action", "public_key", "account", "received_at"):
        if not isinstance(getattr(record, name), str):
            raise InvalidPayload(f"The consent record field {name!r} must be text.")
    _time(record.received_at, "received_at")
    return record


def rights_request(data: Mapping[str, Any]) -> RightsRequest:
    """A rights sink record (its JSON form) as the typed request."""
    try:
        custom = data.get("custom") or {}
        submission = Submission(
            type=str(data["type"]),
            email=str(data["email"]),
            custom=tuple(sorted((str(k), str(v)) for k, v in dict(custom).items())),
            language=str(data["language"]),
            **{name: _text(data.get(name)) for name in _TEXT_FIELDS},
        )
        return RightsRequest(
            reference=str(data["reference"]),
            submission=submission,
            public_key=str(data["public_key"]),
            account=str(data["account"]),
            origin=str(data["origin"]),
            received_at=_time(data["received_at"], "received_at"),
            respond_by=date.fromisoformat(str(data["respond_by"])),
            law=str(data.get("law") or ""),
            email_verified=data.get("email_verified", True) is not False,
        )
    except KeyError as exc:
        raise InvalidPayload(f"A rights request lacks the field {exc.args[0]!r}.") from None
    except (TypeError, ValueError):
        raise InvalidPayload("A rights request has a field of the wrong type.") from None


def consent_row(record: ConsentRecord, receipt: str | None) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "consent_id": record.consent_id,
        "account": record.account,
        "public_key": record.public_key,
        "action": record.action,
        # The geo variant rides in the choices document: no column, no migration.
        "choices": {
            "categories": dict(record.categories),
            "services": dict(record.services),
            **({"variant": record.variant} if record.variant else {}),
        },
        "policy_version": record.policy_version,
        "language": record.language,
        "gpc": bool(record.gpc),
        "page_url": record.page_url,
        "origin": record.origin,
        "given_at": _time(record.given_at, "given_at") if record.given_at else None,
        "received_at": _time(record.received_at, "received_at"),
        "ip_truncated": record.client_ip,
        "user_agent": record.user_agent,
        "receipt": receipt,
        "config_digest": record.config_digest,
    }


def rights_row(request: RightsRequest) -> dict[str, Any]:
    """The row of a new request; its due date computed from its law, the clock started on the
    day of receipt."""
    started = request.received_at.astimezone(UTC).date()
    identity = request.submission.identity()
    del identity["type"], identity["message"]
    return {
        "reference": request.reference,
        "account": request.account,
        "public_key": request.public_key,
        "type": request.submission.type,
        "email": normalise_email(request.submission.email),
        "identity": identity,
        "message": request.submission.message,
        "language": request.submission.language,
        "law": request.law,
        "origin": request.origin,
        "status": RECEIVED,
        "received_at": request.received_at,
        "due_at": Deadline(request.law, started).due(started),
        "closed_at": None,
        # A request the gateway sends no code for (imported, say) is verified as it arrives.
        "email_verified_at": request.received_at if request.email_verified else None,
    }


def stored_consent(row: Row[Any]) -> StoredConsent:
    choices = row.choices
    return StoredConsent(
        record_id=row.record_id,
        consent_id=row.consent_id,
        account=row.account,
        public_key=row.public_key,
        action=row.action,
        categories=dict(choices.get("categories", {})),
        services=dict(choices.get("services", {})),
        policy_version=row.policy_version,
        language=row.language,
        gpc=bool(row.gpc),
        page_url=row.page_url,
        origin=row.origin,
        given_at=row.given_at,
        received_at=row.received_at,
        ip_truncated=row.ip_truncated,
        user_agent=row.user_agent,
        receipt=row.receipt,
        config_digest=row.config_digest,
        variant=choices.get("variant"),
    )


def stored_rights(row: Row[Any]) -> StoredRightsRequest:
    return StoredRightsRequest(
        reference=row.reference,
        account=row.account,
        public_key=row.public_key,
        type=row.type,
        email=row.email,
        identity=dict(row.identity),
        message=row.message,
        language=row.language,
        law=row.law,
        origin=row.origin,
        status=row.status,
        received_at=row.received_at,
        due_at=row.due_at,
        closed_at=row.closed_at,
        extended_at=row.extended_at,
        extension_reason=row.extension_reason,
        paused_days=row.paused_days,
        paused_at=row.paused_at,
        anonymised_at=row.anonymised_at,
        email_verified_at=row.email_verified_at,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _time(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            raise InvalidPayload(f"The field {name!r} is not an ISO 8601 time.") from None
    if when.tzinfo is None:
        raise InvalidPayload(f"The field {name!r} has no time zone.")
    return when.astimezone(UTC)
