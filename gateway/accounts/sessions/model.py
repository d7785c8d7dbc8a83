"""A console session, the stores that keep sessions, and the rules for starting and ending them.

The browser holds a random 256-bit id; stores know only its SHA-256 digest, so a copy of the
store opens no session. A session ends after :attr:`SessionRules.idle` seconds without a request
and :attr:`SessionRules.absolute` seconds after sign-in, whichever comes first; both are checked
against the clock the caller passes in, so tests move time instead of waiting. Each session has
its own CSRF token (synchroniser pattern) and a short public ``handle`` by which the sessions list
names it without revealing its id.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from gateway.accounts.tokens import digest, new_token

USER_AGENT_CHARS = 160


@dataclass(frozen=True)
class Session:
    id_hash: str = field(repr=False)
    person_id: str
    created_at: float
    last_seen_at: float
    csrf_token: str = field(repr=False)
    user_agent: str = ""
    ip_hint: str = ""  # truncated address (IPv4 /24, IPv6 /48): where, roughly, not who

    @property
    def handle(self) -> str:
        return hashlib.sha256(("handle:" + self.id_hash).encode()).hexdigest()[:20]

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Session:
        data: dict[str, Any] = json.loads(text)
        return cls(**data)

    def view(self, current: bool) -> dict[str, object]:
        return {
            "id": self.handle,
            "created_at": self.created_at,
            "last_seen_at": self.last_seen_at,
            "user_agent": self.user_agent,
            "ip": self.ip_hint,
            "current": current,
        }


class SessionStore(Protocol):
    async def get(self, id_hash: str) -> Session | None: ...

    async def put(self, session: Session, ttl: float) -> None:
        """Create or replace; the store may forget the session after ``ttl`` seconds."""

    async def delete(self, id_hash: str) -> None: ...

    async def of_person(self, person_id: str) -> list[Session]: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class SessionRules:
    idle: float = 1800.0
    absolute: float = 43_200.0

    def expired(self, session: Session, now: float) -> bool:
        return now - session.last_seen_at >= self.idle or now - session.created_at >= self.absolute


class SessionManager:
    """Starts, finds, rotates and ends sessions in one :class:`SessionStore`."""

    def __init__(self, store: SessionStore, rules: SessionRules) -> None:
        self.store = store
        self.rules = rules

    def _ttl(self, session: Session, now: float) -> float:
        return max(1.0, min(self.rules.absolute - (now - session.created_at), self.rules.absolute))

    async def start(
        self, person_id: str, now: float, user_agent: str = "", ip_hint: str = ""
    ) -> tuple[str, Session]:
        """A new session; the returned token goes into the cookie and nowhere else."""
        token = new_token()
        session = Session(
            id_hash=digest(token),
            person_id=person_id,
            created_at=now,
            last_seen_at=now,
            csrf_token=secrets.token_urlsafe(32),
            user_agent=user_agent[:USER_AGENT_CHARS],
            ip_hint=ip_hint,
        )
        await self.store.put(session, self._ttl(session, now))
        return token, session

    async def find(self, token: str, now: float) -> Session | None:
        """The live session for ``token``, its idle clock restarted; expired ones are ended."""
        if not token or len(token) > 128:
            return None
        session = await self.store.get(digest(token))
        if session is None:
            return None
        if self.rules.expired(session, now):
            await self.store.delete(session.id_hash)
            return None
        touched = replace(session, last_seen_at=now)
        await self.store.put(touched, self._ttl(touched, now))
        return touched

    async def rotate(self, session: Session, now: float) -> tuple[str, Session]:
        """The same sign-in under a new id and CSRF token; the old id stops working."""
        token = new_token()
        fresh = replace(
            session,
            id_hash=digest(token),
            csrf_token=secrets.token_urlsafe(32),
            last_seen_at=now,
        )
        await self.store.put(fresh, self._ttl(fresh, now))
        await self.store.delete(session.id_hash)
        return token, fresh

    async def end(self, id_hash: str) -> None:
        await self.store.delete(id_hash)

    async def end_all(self, person_id: str, keep: str | None = None) -> int:
        """End every session of ``person_id`` but ``keep`` (an id digest); how many ended."""
        ended = 0
        for session in await self.store.of_person(person_id):
            if session.id_hash != keep:
                await self.store.delete(session.id_hash)
                ended += 1
        return ended

    async def live_of(self, person_id: str, now: float) -> list[Session]:
        found = [s for s in await self.store.of_person(person_id) if not self.rules.expired(s, now)]
        return sorted(found, key=lambda s: s.created_at)
