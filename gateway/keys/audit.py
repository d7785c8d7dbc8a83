"""The audit trail of key events: created, updated, rolled, revoked, exposed.

Each event says when, who (``admin`` for the admin API, ``cli:<user>`` for the command line,
``gateway`` for what the gateway does on its own) and what changed — never a secret: a roll
records the grace period, not the private key or its digest.

Embedded default: one JSON line per event appended to ``audit.jsonl`` in the data folder (flushed
and fsynced before the change is reported done). With Redis: one stream per key,
``wg:audit:{pk}``, so every gateway instance and the CLI write to and read the same trail.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.durable import append_durable
from gateway.errors import StoreUnavailable
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.services import Services

Action = Literal["created", "updated", "rolled", "revoked", "exposed", "imported"]
STREAM_MAXLEN = 10_000  # events kept per key in Redis (approximate trim)


@dataclass(frozen=True)
class AuditEvent:
    """One change to one key. ``id`` is assigned by the log and orders events of a key."""

    at: float
    public_key: str
    account: str
    action: Action
    actor: str
    changes: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], id: str) -> AuditEvent:
        return cls(
            at=data["at"],
            public_key=data["public_key"],
            account=data["account"],
            action=data["action"],
            actor=data["actor"],
            changes=data.get("changes", {}),
            id=id,
        )


class AuditLog(Protocol):
    async def record(self, event: AuditEvent) -> None: ...

    async def read(
        self, public_key: str, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[AuditEvent], str | None]:
        """Events of one key, oldest first, a page at a time, and the next cursor."""


class FileAuditLog:
    """``audit.jsonl`` in the data folder; an event's id is its line number."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "audit.jsonl"
        self.lock_path = data_dir / "audit.lock"
        data_dir.mkdir(parents=True, exist_ok=True)

    async def record(self, event: AuditEvent) -> None:
        line = json.dumps(
            {k: v for k, v in event.to_json().items() if k != "id"}, separators=(",", ":")
        )
        try:
            await asyncio.to_thread(
                append_durable, self.path, (line + "\n").encode(), lock=self.lock_path
            )
        except OSError as exc:
            raise StoreUnavailable("the audit trail could not be written") from exc

    async def read(
        self, public_key: str, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[AuditEvent], str | None]:
        return await asyncio.to_thread(self._read, public_key, cursor, limit)

    def _read(
        self, public_key: str, cursor: str | None, limit: int
    ) -> tuple[list[AuditEvent], str | None]:
        after = int(cursor) if cursor and cursor.isdigit() else 0
        found: list[AuditEvent] = []
        try:
            with open(self.path) as fh:
                for number, line in enumerate(fh, start=1):
                    if number <= after or public_key not in line:
                        continue
                    data = json.loads(line)
                    if data.get("public_key") == public_key:
                        found.append(AuditEvent.from_json(data, str(number)))
                        if len(found) > limit:
                            break
        except FileNotFoundError:
            return [], None
        except (OSError, ValueError) as exc:
            raise StoreUnavailable("the audit trail could not be read") from exc
        page = found[:limit]
        return page, (page[-1].id if len(found) > limit else None)


class RedisAuditLog:
    """One Redis stream per key; an event's id is its stream entry id."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client

    async def record(self, event: AuditEvent) -> None:
        body = json.dumps(
            {k: v for k, v in event.to_json().items() if k != "id"}, separators=(",", ":")
        )
        try:
            await self.redis.xadd(
                f"wg:audit:{event.public_key}",
                {"event": body},
                maxlen=STREAM_MAXLEN,
                approximate=True,
            )
        except RedisError as exc:
            raise StoreUnavailable("the audit trail could not be written") from exc

    async def read(
        self, public_key: str, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[AuditEvent], str | None]:
        start = f"({cursor}" if cursor else "-"
        try:
            entries: Any = await self.redis.xrange(
                f"wg:audit:{public_key}", start, "+", count=limit + 1
            )
        except RedisError as exc:
            raise StoreUnavailable("the audit trail could not be read") from exc
        events = [
            AuditEvent.from_json(json.loads(fields[b"event"]), entry_id.decode())
            for entry_id, fields in entries
        ]
        page = events[:limit]
        return page, (page[-1].id if len(events) > limit else None)


def open_audit_log(settings: Settings, client: aioredis.Redis | None) -> AuditLog:
    """The trail that goes with the key store: Redis when configured, else the data folder."""
    if client is not None:
        return RedisAuditLog(client)
    return FileAuditLog(settings.data_dir)


def audit_log(services: Services) -> AuditLog:
    """The running app's audit trail."""
    return services.audit
