"""The one envelope every accepted record travels in, from the endpoint to the wire.

A consent record and a rights request are typed objects in their rooms; what delivery needs of
either is the same few facts — its kind, its id (the idempotency key), when it was received, the
key, account and origin it came through — and its body, the JSON the record schemas in
``docs/schemas/`` describe. The envelope carries those, so sinks, queues and workers never look
inside a body to find an id. Timestamps in the envelope are RFC 3339 in UTC with milliseconds
(``2026-12-01T09:30:00.000Z``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import orjson

# "mail": a message on the mail queue (gateway.mail), sent by SMTP, never posted to a service.
Kind = Literal["consent", "rights_request", "mail"]
KINDS: tuple[Kind, ...] = ("consent", "rights_request", "mail")


def timestamp(at: datetime) -> str:
    """The envelope's one timestamp format."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON: the bytes written to files, streams and services.

    ``orjson`` writes the same bytes as ``json.dumps(data, ensure_ascii=False,
    separators=(",", ":")).encode()`` for records (text, booleans, integers, null, objects with
    text keys), in a fraction of the time: it is one of the consent POST's encodings."""
    return orjson.dumps(data)


@dataclass(frozen=True)
class Envelope:
    """One record on its way to a service."""

    kind: Kind
    id: str
    received_at: str
    public_key: str
    account: str
    origin: str
    body: Mapping[str, Any]
    # A consent record's receipt as the visitor got it: the records store keeps this one rather
    # than signing another. Not part of the wire form; a sink without it signs its own.
    receipt: str | None = field(default=None, compare=False)
    # The typed record the body was made from, when it was made in this process: a sink that
    # wants the typed form (the records store) takes it instead of parsing the body back.
    source: object | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "received_at": self.received_at,
            "public_key": self.public_key,
            "account": self.account,
            "origin": self.origin,
            "record": dict(self.body),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Envelope:
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown record kind {kind!r}")
        return cls(
            kind=kind,
            id=str(data["id"]),
            received_at=str(data["received_at"]),
            public_key=str(data["public_key"]),
            account=str(data["account"]),
            origin=str(data["origin"]),
            body=dict(data["record"]),
        )

    @classmethod
    def from_queued_record(cls, record: Mapping[str, Any], record_id: str) -> Envelope:
        """An entry queued by a release before envelopes (body and id only), so nothing that
        waited for delivery across an upgrade is lost."""
        kind: Kind = "rights_request" if record.get("kind") == "rights_request" else "consent"
        return cls(
            kind=kind,
            id=record_id,
            received_at=str(record.get("received_at", "")),
            public_key=str(record.get("public_key", "")),
            account=str(record.get("account", "")),
            origin=str(record.get("origin", "")),
            body=dict(record),
        )

    def wire(self) -> bytes:
        """The body as posted, streamed or written: the record schema's JSON."""
        return dumps(self.body)


class Record(Protocol):
    """What a room's record type offers delivery."""

    def envelope(self) -> Envelope: ...
