"""The JSON (and CSV) shapes of stored records, as the API answers them."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from gateway.records.agents import AgentState, filed_by_agent
from gateway.records.deadlines import days_left, law
from gateway.records.documents import Document
from gateway.records.model import (
    ACTIONS,
    CLOSED,
    DayStats,
    RightsEvent,
    RightsMessage,
    StoredConsent,
    StoredRightsRequest,
)

CSV_COLUMNS = (
    "record_id",
    "consent_id",
    "public_key",
    "action",
    "categories",
    "services",
    "policy_version",
    "language",
    "gpc",
    "origin",
    "page_url",
    "given_at",
    "received_at",
    "ip_truncated",
    "user_agent",
    "receipt",
    "config_digest",
    "variant",
)


def _when(at: datetime | date | None) -> str | None:
    return None if at is None else at.isoformat()


def consent(record: StoredConsent) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "consent_id": record.consent_id,
        "public_key": record.public_key,
        "action": record.action,
        "categories": dict(record.categories),
        "services": dict(record.services),
        "policy_version": record.policy_version,
        "language": record.language,
        "gpc": record.gpc,
        "origin": record.origin,
        "page_url": record.page_url,
        "given_at": _when(record.given_at),
        "received_at": _when(record.received_at),
        "ip_truncated": record.ip_truncated,
        "user_agent": record.user_agent,
        "receipt": record.receipt,
        "config_digest": record.config_digest,
        "variant": record.variant,
    }


def consent_csv_row(record: StoredConsent) -> list[str]:
    """One CSV row; the category and service choices as compact JSON objects."""
    data = consent(record)
    cells: list[str] = []
    for column in CSV_COLUMNS:
        value = data[column]
        if isinstance(value, dict):
            cells.append(json.dumps(value, separators=(",", ":"), sort_keys=True))
        elif isinstance(value, bool):
            cells.append("true" if value else "false")
        else:
            cells.append("" if value is None else str(value))
    return cells


def day_stats(row: DayStats) -> dict[str, Any]:
    return {
        "day": row.day.isoformat(),
        "public_key": row.public_key,
        "records": row.records,
        "banners_shown": row.shown,
        "actions": {action: getattr(row, action) for action in ACTIONS},
        "categories": {
            name: {"records": c.records, "granted": c.granted, "opt_in_rate": c.opt_in_rate}
            for name, c in sorted(row.categories.items())
        },
    }


def rights_request(request: StoredRightsRequest, today: date | None = None) -> dict[str, Any]:
    """The request; with ``today``, its due date as it stands that day (a paused clock gives
    a day back for each day it waits) and its deadline's details."""
    due = request.due_at if today is None else request.deadline.due(today)
    out = _rights_fields(request) | {"due_at": _when(due)}
    if today is not None:
        out["deadline"] = deadline(request, due, today)
    return out


def deadline(request: StoredRightsRequest, due: date, today: date) -> dict[str, Any]:
    rule = law(request.law)
    open_ = request.status not in CLOSED
    return {
        "law": rule.code,
        "law_name": rule.name,
        "source": rule.source,
        "period": rule.period.describe(),
        "original_due_at": _when(request.deadline.original_due),
        "extension": rule.extension.describe() if rule.extension else None,
        "extension_allowed": open_ and rule.extension is not None and not request.extended_at,
        "extended_at": _when(request.extended_at),
        "extension_reason": request.extension_reason,
        "paused": request.paused,
        "paused_at": _when(request.paused_at),
        "paused_days": request.paused_days,
        "days_left": days_left(due, today) if open_ else None,
        "overdue": open_ and request.email_verified and not request.paused and due < today,
        "started": request.email_verified,
    }


def _rights_fields(request: StoredRightsRequest) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "public_key": request.public_key,
        "type": request.type,
        "status": request.status,
        "email": request.email,
        "identity": dict(request.identity),
        "message": request.message,
        "language": request.language,
        "law": request.law,
        "origin": request.origin,
        "received_at": _when(request.received_at),
        "due_at": _when(request.due_at),
        "closed_at": _when(request.closed_at),
        # False until the requester confirms their address; its clock starts on that day.
        "email_verified": request.email_verified,
        "email_verified_at": _when(request.email_verified_at),
    }


def rights_message(message: RightsMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "author": message.author,
        "body": message.body,
        "at": _when(message.at),
    }


def rights_event(event: RightsEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor,
        "note": event.note,
        "at": _when(event.at),
    }


def rights_document(doc: Document) -> dict[str, Any]:
    """A document's description (its content is downloaded on its own)."""
    return {
        "id": doc.id,
        "from": doc.sender,
        "is_answer": doc.is_answer,
        "filename": doc.filename,
        "media_type": doc.media_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "created_at": _when(doc.created_at),
    }


def rights_agent(request: StoredRightsRequest, state: AgentState | None) -> dict[str, Any]:
    """Whether an authorised agent filed the request; if so, who, and where each half of its
    confirmation stands: the agent's address, the data subject's permission (``waiting``,
    ``confirmed`` or ``denied``: they said they gave none), and the authorisation document."""
    identity = request.identity
    if not filed_by_agent(identity):
        return {"by_agent": False}
    document = None
    if state is not None and state.document_type is not None:
        document = {
            "media_type": state.document_type,
            "size": state.document_size,
            "received_at": _when(state.document_at),
        }
    return {
        "by_agent": True,
        "agent": {
            "name": identity.get("agent_name"),
            "email": identity.get("agent_email"),
            "confirmed_at": _when(state.agent_confirmed_at if state else None),
            "subject": state.subject_state if state else None,
            "subject_answered_at": _when(state.subject_answered_at if state else None),
            "document": document,
        },
    }
