"""What happens to a request filed by an authorised agent, between the form and the owner.

1. The form is sent with ``requester_type: agent``: the request is stored unverified, with a
   row of its own (:mod:`gateway.records.agents`). The agent gets the usual code at
   their address (:class:`~gateway.portal.verifier.Verifier`), and the ``202`` answer carries a
   ``document`` token: signed, naming the reference, valid an hour, good for one document.
2. The widget sends the authorisation with that token (:meth:`AgentDesk.upload`): its type read
   from its content, sealed, kept once.
3. The agent enters the code: their half is recorded, and the data subject, at the address the
   form gave as theirs, is mailed a link (:meth:`AgentDesk.ask_subject`), under the same
   per-address limit as codes.
4. On the page that link opens, the subject says yes (:meth:`AgentDesk.answer`): the request is
   verified and its clock starts, or no: the request is flagged for the site owner, who decides.

Every way a link can fail (forged, expired, answered, unknown) is one
:class:`PermissionLinkInvalid`, and so is every way an upload token can.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from gateway.accounts.sealing import Sealer
from gateway.agents import documents
from gateway.agents.mails import SubjectMail
from gateway.errors import InvalidPayload, NotFound
from gateway.mail.message import Mail
from gateway.records import agents, verification
from gateway.records.agents import AgentState
from gateway.records.model import StoredRightsRequest
from gateway.records.store import RecordStore
from gateway.requester_settings import RequesterSettings

log = logging.getLogger("gateway.agents")

UPLOAD_PURPOSE = "agent-document"
PERMISSION_PURPOSE = "agent-permission"
# The widget sends the document right after the form; an hour covers a slow connection.
UPLOAD_MAX_AGE = 3600


class PermissionLinkInvalid(InvalidPayload):
    """The link does not (or no longer) ask anything, whatever the reason."""

    code = "permission_link_invalid"
    title = "This link is not valid"


class DocumentTokenInvalid(InvalidPayload):
    """The upload token is forged, expired, of another key, or its document was sent already."""

    code = "document_token_invalid"
    title = "This document cannot be added"


@dataclass(frozen=True)
class SubjectView:
    """What the data subject's page says about the request it asks about."""

    reference: str
    agent: str
    site: str
    type: str


def _signed(serializer: URLSafeTimedSerializer, token: object, max_age: float) -> str | None:
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    try:
        value = serializer.loads(token, max_age=int(max_age))
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, str) else None


class AgentDesk:
    def __init__(
        self,
        store: RecordStore,
        send: Callable[[Mail], Awaitable[object]],
        sealer: Sealer,
        uploads: URLSafeTimedSerializer,
        permissions: URLSafeTimedSerializer,
        settings: RequesterSettings,
        public_url: str,
        *,
        clock: Callable[[], datetime],
        may_mail: Callable[[str, str], Awaitable[bool]],
        on_verified: Callable[[list[str]], Awaitable[object]] | None = None,
    ) -> None:
        self.store = store
        self.send = send
        self.sealer = sealer
        self.uploads = uploads
        self.permissions = permissions
        self.settings = settings
        self.page_url = f"{public_url.rstrip('/')}/permission/"
        self.clock = clock
        # (public key, address) -> whether one more e-mail to that address is within the limits
        self.may_mail = may_mail
        self.on_verified = on_verified

    @property
    def max_bytes(self) -> int:
        return self.settings.agent_document_max_bytes

    def upload_token(self, reference: str) -> str:
        """The token the agent's document for ``reference`` is sent with (in the ``202``)."""
        return str(self.uploads.dumps(reference))

    async def upload(self, public_key: str, reference: object, token: object, data: object) -> str:
        """Keep the document ``data`` (base64) of the request ``token`` names; its type."""
        invalid = DocumentTokenInvalid("This document cannot be added to a request now.")
        named = _signed(self.uploads, token, UPLOAD_MAX_AGE)
        if named is None or named != reference or not isinstance(data, str):
            raise invalid
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidPayload("the document is not valid base64") from None
        document = documents.accept(content, self.max_bytes)
        try:
            found = await self.store.get_rights(named)
        except NotFound:
            raise invalid from None
        if found.public_key != public_key or await agents.state(self.store, named) is None:
            raise invalid
        sealed = agents.StoredDocument(
            documents.seal(self.sealer, named, document), document.media_type, len(content)
        )
        if not await agents.put_document(self.store, named, sealed, self.clock()):
            raise invalid
        return document.media_type

    def link(self, reference: str) -> str:
        # In the fragment, like the requester's link: never in a server's logs or a Referer.
        return f"{self.page_url}#permission={self.permissions.dumps(reference)}"

    async def ask_subject(self, found: StoredRightsRequest) -> bool:
        """Mail the data subject the link to answer, within the per-address limit; whether it
        went (a refused one is tried again by :meth:`run_round`)."""
        if not await self.may_mail(found.public_key, found.email):
            return False
        mail = SubjectMail(
            to=found.email,
            language=found.language,
            reference=found.reference,
            origin=found.origin,
            agent=str(found.identity.get("agent_name") or ""),
            agent_email=str(found.identity.get("agent_email") or ""),
            link=self.link(found.reference),
            days=max(1, round(self.settings.verify_expire_after / 86_400)),
        ).mail()
        await self.send(mail)
        await agents.mark_mailed(self.store, found.reference, self.clock())
        return True

    async def _asked(self, token: object) -> tuple[StoredRightsRequest, AgentState]:
        reference = _signed(self.permissions, token, self.settings.verify_expire_after)
        invalid = PermissionLinkInvalid("This link is not valid (any more).")
        if reference is None:
            raise invalid
        state = await agents.state(self.store, reference)
        if state is None or state.subject_state != agents.WAITING:
            raise invalid
        try:
            return await self.store.get_rights(reference), state
        except NotFound:
            raise invalid from None

    async def language_of(self, token: object) -> str | None:
        """The language of the request a permission link names, for its page's texts; None for
        any other token. Answered or not, the link's request keeps its language."""
        return await self.store.rights_language(
            _signed(self.permissions, token, self.settings.verify_expire_after)
        )

    async def view(self, token: object) -> SubjectView:
        """What the link asks about, for its page; :class:`PermissionLinkInvalid` otherwise."""
        found, _ = await self._asked(token)
        return SubjectView(
            reference=found.reference,
            agent=str(found.identity.get("agent_name") or ""),
            site=found.origin,
            type=found.type,
        )

    async def answer(self, token: object, agreed: bool) -> StoredRightsRequest:
        """The data subject's answer: the request verified (clock started) when they agree and
        the agent has confirmed too; flagged for the owner when they do not."""
        found, _ = await self._asked(token)
        now = self.clock()
        answer = agents.CONFIRMED if agreed else agents.DENIED
        state = await agents.answer_subject(self.store, found.reference, answer, now)
        if state is None:
            raise PermissionLinkInvalid("This link is not valid (any more).")
        if agreed and state.agent_confirmed:
            confirmed = await verification.confirm(self.store, found.reference, now)
            if confirmed is not None:
                await self._announce(confirmed.reference)
                return confirmed
        return await self.store.get_rights(found.reference)

    async def _announce(self, reference: str) -> None:
        if self.on_verified is None:
            return
        try:
            await self.on_verified([reference])
        except Exception as exc:  # the owners' notices catch up in the next jobs round
            log.warning("arrival notice not sent now: %s", type(exc).__name__)

    async def run_round(self) -> int:
        """Mail the data subjects not asked yet (their e-mail failed, or was over the limit)."""
        sent = 0
        for reference in await agents.unasked(self.store):
            try:
                found = await self.store.get_rights(reference)
                sent += int(await self.ask_subject(found))
            except Exception as exc:  # one request's trouble does not stop the others
                log.warning("data subject not asked now: %s", type(exc).__name__)
        return sent
