"""The requester's space: opened by the e-mailed link plus a code, it shows the request (its
status, history and due date), the messages and documents both ways, and the answer.

The link (``/portal/#space=<token>``) carries a token signed with its own purpose that names the
reference only; it opens nothing by itself. A 6-digit code mailed to the request's address
(kept as an HMAC, 10 minutes, 5 tries, re-sends throttled) opens a session
(:mod:`gateway.records.space`). An unknown, altered or mistyped link, a request never confirmed
or anonymised, and one closed longer than ``GATEWAY_REQUESTER_SPACE_DAYS`` ago all answer
:class:`SpaceUnavailable`, the same problem: nobody learns which references exist.

The space's e-mails (confirmation, a message, a status change, the closure) are sent from the
two places every owner action and confirmation passes through: the store's
:attr:`~gateway.records.store.RecordStore.on_requester_news` and the verifier's confirmation.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from gateway.errors import GatewayError, NotFound
from gateway.mail.message import Mail
from gateway.portal.codes import code_hash, new_code
from gateway.portal.space_mails import SpaceMail
from gateway.portal.space_texts import space_texts
from gateway.portal.verifier import ResendTooSoon, VerificationFailed
from gateway.records import casework, documents, space
from gateway.records.deadlines import law
from gateway.records.model import CLOSED, RightsEvent, StoredRightsRequest
from gateway.records.space import SpaceSession
from gateway.records.store import RecordStore
from gateway.requester_settings import RequesterSettings

log = logging.getLogger("gateway.portal")

LINK_PURPOSE = "requester-space"
CODE_PURPOSE = "space"


class SpaceUnavailable(NotFound):
    """The link opens no space now, whatever the reason (unknown, altered, closed too long)."""

    code = "space_unavailable"
    title = "No such space"


class SpaceSignedOut(GatewayError):
    """No open session of a space in this browser (never opened, signed out, or it ended)."""

    status = 401
    code = "space_session_required"
    title = "Open the space first"


@dataclass(frozen=True)
class Opened:
    """A new session: the cookie's token, its CSRF token and the request it opens."""

    token: str
    csrf_token: str
    request: StoredRightsRequest


class Space:
    def __init__(
        self,
        store: RecordStore,
        send: Callable[[Mail], Awaitable[object]],
        secret: str,
        links: URLSafeTimedSerializer,
        settings: RequesterSettings,
        public_url: str,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.send = send
        self.secret = secret
        self.links = links
        self.settings = settings
        self.portal_url = f"{public_url.rstrip('/')}/portal/"
        self.clock = clock

    # --- the link and the code ---------------------------------------------------------------

    def link(self, reference: str) -> str:
        # In the fragment: it never reaches a server's logs, a proxy or a Referer.
        return f"{self.portal_url}#space={self.links.dumps(reference)}"

    async def request_of(self, token: object) -> StoredRightsRequest:
        """The request whose space ``token`` opens; :class:`SpaceUnavailable` otherwise."""
        unavailable = SpaceUnavailable("This link does not open a request's space.")
        if not isinstance(token, str) or not 0 < len(token) <= 200:
            raise unavailable
        try:
            reference = self.links.loads(token)
        except BadSignature:
            raise unavailable from None
        if not isinstance(reference, str):
            raise unavailable
        return await self.open_request(reference)

    async def open_request(self, reference: str) -> StoredRightsRequest:
        """The request if its space is open now; :class:`SpaceUnavailable` otherwise."""
        try:
            found = await self.store.get_rights(reference)
        except NotFound:
            raise SpaceUnavailable("This link does not open a request's space.") from None
        if not space.space_open(found, self.clock(), self.settings.requester_space_days):
            raise SpaceUnavailable("This link does not open a request's space.")
        return found

    def _hash(self, reference: str, code: str) -> str:
        return code_hash(self.secret, f"{CODE_PURPOSE}:{reference}", code)

    async def send_code(self, found: StoredRightsRequest) -> None:
        """Mail a new code for the space (the previous one stops working); throttled."""
        now = self.clock()
        interval = self.settings.verify_resend_interval
        code = new_code()
        kept = await space.put_code(
            self.store,
            found.reference,
            self._hash(found.reference, code),
            now,
            timedelta(seconds=self.settings.verify_code_ttl),
            not_before=now - timedelta(seconds=interval),
        )
        if not kept:
            raise ResendTooSoon(
                "A code was sent moments ago; wait a little before asking for another.",
                headers={"Retry-After": str(max(1, int(interval)))},
            )
        await self.send(self._mail("open", found, code=code))

    async def open_session(self, found: StoredRightsRequest, code: str | None) -> Opened:
        """A session of the space when ``code`` is its current code."""
        failed = VerificationFailed("The code is not valid. Check it, or ask for a new one.")
        if code is None:
            raise failed
        right = await space.spend_code(
            self.store,
            found.reference,
            self._hash(found.reference, code),
            self.clock(),
            self.settings.verify_max_attempts,
        )
        if not right:
            raise failed
        token, csrf = await space.start_session(self.store, found.reference, self.clock())
        return Opened(token, csrf, found)

    async def session(self, token: str | None) -> tuple[SpaceSession, StoredRightsRequest]:
        """The open session ``token`` names and its request; :class:`SpaceSignedOut` when there
        is none, :class:`SpaceUnavailable` once the space has closed."""
        found = None
        if token:
            found = await space.find_session(
                self.store,
                token,
                self.clock(),
                idle=self.settings.space_session_idle,
                absolute=self.settings.space_session_absolute,
            )
        if found is None:
            raise SpaceSignedOut("Open the space with the link from the e-mail and a code.")
        return found, await self.open_request(found.reference)

    async def sign_out(self, token: str) -> None:
        await space.end_session(self.store, token)

    async def sweep(self) -> int:
        """Delete the sessions that have ended (run with the records jobs); how many."""
        return await space.sweep_sessions(
            self.store,
            self.clock(),
            idle=self.settings.space_session_idle,
            absolute=self.settings.space_session_absolute,
        )

    # --- what the requester does -------------------------------------------------------------

    async def reply(self, found: StoredRightsRequest, body: str) -> None:
        """Keep the requester's reply; a paused clock runs again (they answered)."""
        self._still_open(found)
        await casework.add_message(self.store, found.reference, author="requester", body=body)
        await self._resume(found.reference)

    async def upload(self, found: StoredRightsRequest, filename: str | None, data: bytes) -> None:
        """Keep the requester's document; a paused clock runs again, as on a reply."""
        self._still_open(found)
        await documents.add(
            self.store,
            found.reference,
            sender=documents.REQUESTER,
            filename=filename,
            data=data,
            max_bytes=self.settings.space_document_max_bytes,
            max_count=self.settings.space_documents_per_request,
        )
        await self._resume(found.reference)

    def _still_open(self, found: StoredRightsRequest) -> None:
        if found.status in CLOSED:
            raise casework.RequestClosed(
                "This request is closed; it takes no more replies or documents."
            )

    async def _resume(self, reference: str) -> None:
        current = await self.store.get_rights(reference)
        if current.paused:
            with contextlib.suppress(casework.ClockConflict):  # resumed by the owner meanwhile
                await casework.resume(self.store, reference, actor="requester", note=None)

    # --- what the page shows -----------------------------------------------------------------

    async def view(self, found: StoredRightsRequest) -> dict[str, Any]:
        """The request as its requester sees it: no owner's notes, no internal fields."""
        today = self.clock().date()
        texts = space_texts(found.language)
        history = await self.store.rights_history(found.reference)
        notes = await casework.messages(self.store, found.reference)
        docs = await documents.listing(self.store, found.reference)
        answer = next((d for d in reversed(docs) if d.is_answer), None)
        until = space.open_until(found, self.settings.requester_space_days)
        rule = law(found.law)
        return {
            "reference": found.reference,
            "type": found.type,
            "law": rule.code,
            "law_name": rule.name,
            "status": found.status,
            "closed": found.status in CLOSED,
            "received_at": found.received_at.date().isoformat(),
            "verified_at": _day(found.email_verified_at),
            "due_at": found.deadline.due(today).isoformat(),
            "paused": found.paused,
            "extended": found.extended_at is not None,
            "extension_reason": found.extension_reason,
            "closed_at": _day(found.closed_at),
            "open_until": _day(until),
            "history": [shown for e in history if (shown := _event(e, found)) is not None],
            "messages": [
                {
                    "id": m.id,
                    "from": "requester" if m.author == "requester" else "owner",
                    "body": m.body,
                    "at": m.at.isoformat(),
                }
                for m in notes
            ],
            "documents": [document_view(d) for d in docs],
            "answer": None if answer is None else document_view(answer),
            "limits": {
                "document_max_bytes": self.settings.space_document_max_bytes,
                "documents": self.settings.space_documents_per_request,
                "message_chars": casework.MAX_MESSAGE,
            },
            "language": texts["space.lang"],
            "texts": dict(texts),
        }

    # --- the e-mails -------------------------------------------------------------------------

    def _mail(self, kind: str, found: StoredRightsRequest, code: str = "") -> Mail:
        return SpaceMail(
            kind=kind,
            to=str(found.identity.get("email") or found.email),
            language=found.language,
            reference=found.reference,
            origin=found.origin,
            link=self.link(found.reference),
            date=found.deadline.due(self.clock().date()).isoformat(),
            status=found.status,
            days=self.settings.requester_space_days,
            code=code,
            minutes=max(1, round(self.settings.verify_code_ttl / 60)),
        ).mail()

    async def confirmed(self, references: list[str]) -> None:
        """The confirmation e-mails of requests whose address was just confirmed."""
        for reference in references:
            found = await self.store.get_rights(reference)
            await self.send(self._mail("confirmed", found))

    async def news(self, reference: str, what: str) -> None:
        """The e-mail of an owner's change: ``what`` is ``status`` or ``message``."""
        found = await self.store.get_rights(reference)
        if not found.email_verified or found.anonymised_at is not None:
            return  # no space yet (or any more): nothing to point to
        kind = "closed" if found.status in CLOSED else "status"
        if what == "message":
            kind = "message"
        await self.send(self._mail(kind, found))


def _day(at: datetime | None) -> str | None:
    return None if at is None else at.date().isoformat()


def document_view(doc: documents.Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "from": doc.sender,
        "filename": doc.filename,
        "media_type": doc.media_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "is_answer": doc.is_answer,
        "at": doc.created_at.isoformat(),
    }


def _event(event: RightsEvent, found: StoredRightsRequest) -> dict[str, Any] | None:
    """One step of the history as the requester sees it; None for what is not theirs. The
    owner's notes (on a status change, a pause) are internal and never shown; an extension
    shows its reason, the one meant for the requester."""
    at = event.at.isoformat()
    if event.from_status is None:
        return {"kind": "received", "at": at}
    if event.kind == "status":
        return {"kind": "status", "status": event.to_status, "at": at}
    if event.kind == "extension":
        return {"kind": "extension", "reason": found.extension_reason, "at": at}
    if event.kind in ("verified", "pause", "resume"):
        return {"kind": event.kind, "at": at}
    if event.kind == "message":
        who = "requester" if event.actor == "requester" else "owner"
        return {"kind": "message", "from": who, "at": at}
    return None
