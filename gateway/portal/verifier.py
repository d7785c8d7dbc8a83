"""Confirming a requester's address: the code sent after submit, checks, re-sends, the link,
the reminder after a day and the expiry of requests never confirmed.

The running app holds one :class:`Verifier` when rights requests are stored in the records
store (the ``database`` rights sink). What it answers never tells apart a wrong code, an
expired one, one whose tries are used up and a reference that does not exist: all are
:class:`VerificationFailed`, so a guesser learns nothing about which requests exist.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import URLSafeTimedSerializer

from gateway.errors import InvalidPayload, RateLimited
from gateway.mail.message import Mail
from gateway.portal.codes import code_hash, link_reference, link_token, new_code
from gateway.portal.mails import CodeMail
from gateway.records import verification
from gateway.records.model import StoredRightsRequest
from gateway.records.store import RecordStore
from gateway.requester_settings import RequesterSettings
from gateway.rights.requests import RightsRequest

log = logging.getLogger("gateway.portal")


class VerificationFailed(InvalidPayload):
    """The code (or link) does not confirm any request now, whatever the reason."""

    code = "verification_failed"
    title = "Code not accepted"


class ResendTooSoon(RateLimited):
    """A new code was asked for before the re-send interval passed (``Retry-After``)."""

    code = "resend_too_soon"
    title = "A code was sent moments ago"


@dataclass(frozen=True)
class RoundReport:
    reminded: int
    expired: int


class Verifier:
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
        on_verified: Callable[[list[str]], Awaitable[object]] | None = None,
        on_agent_confirmed: Callable[[StoredRightsRequest], Awaitable[object]] | None = None,
    ) -> None:
        self.store = store
        self.send = send
        self.secret = secret
        self.links = links
        self.settings = settings
        self.portal_url = f"{public_url.rstrip('/')}/portal/"
        self.clock = clock
        self.on_verified = on_verified
        # An agent confirmed their address: the data subject is asked next (gateway.agents).
        self.on_agent_confirmed = on_agent_confirmed

    @property
    def ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.verify_code_ttl)

    def link(self, reference: str) -> str:
        # In the fragment: it never reaches a server's logs, a proxy or a Referer.
        return f"{self.portal_url}#verify={link_token(self.links, reference)}"

    def _mail(self, found: StoredRightsRequest, code: str, *, reminder: bool = False) -> Mail:
        # A request filed by an agent: the code goes to the agent, who sent it.
        to = str(found.identity.get("agent_email") or found.identity.get("email") or found.email)
        return self._code_mail(to, found.language, found.reference, found.origin, code, reminder)

    def _code_mail(
        self, to: str, language: str, reference: str, origin: str, code: str, reminder: bool
    ) -> Mail:
        return CodeMail(
            to=to,
            language=language,
            reference=reference,
            origin=origin,
            code=code,
            link=self.link(reference),
            minutes=max(1, round(self.settings.verify_code_ttl / 60)),
            days=max(1, round(self.settings.verify_expire_after / 86_400)),
            reminder=reminder,
        ).mail()

    def opening(self, reference: str, now: datetime) -> tuple[str, tuple[str, datetime]]:
        """A new request's first code, and what the store keeps of it (its HMAC and expiry,
        written with the request: :attr:`RightsRequest.code`)."""
        code = new_code()
        return code, (code_hash(self.secret, reference, code), now + self.ttl)

    async def start(self, request: RightsRequest, code: str) -> None:
        """Mail the first code of a request just stored with it (see :meth:`opening`)."""
        submission = request.submission
        to = submission.agent_email or submission.email
        language, origin = submission.language, request.origin
        await self.send(self._code_mail(to, language, request.reference, origin, code, False))

    async def waiting(self, reference: str, public_key: str) -> StoredRightsRequest | None:
        """The request if it waits for confirmation and came through ``public_key``."""
        found = await verification.pending(self.store, reference)
        if found is None or found.request.public_key != public_key:
            return None
        return found.request

    async def resend(self, reference: str, public_key: str) -> None:
        """A new code by e-mail (the old one stops working); :class:`ResendTooSoon` within the
        re-send interval. A reference not waiting is answered as if sent: nothing to learn."""
        found = await self.waiting(reference, public_key)
        if found is None:
            return
        now = self.clock()
        interval = self.settings.verify_resend_interval
        code = new_code()
        renewed = await verification.renew_code(
            self.store,
            reference,
            code_hash(self.secret, reference, code),
            now,
            self.ttl,
            not_before=now - timedelta(seconds=interval),
        )
        if not renewed:
            wait = str(max(1, int(interval)))
            raise ResendTooSoon(
                "A code was sent moments ago; wait a little before asking for another.",
                headers={"Retry-After": wait},
            )
        await self.send(self._mail(found, code))

    async def check(self, reference: str, public_key: str, code: str | None) -> StoredRightsRequest:
        """The request, now confirmed, when ``code`` is its current code."""
        failed = VerificationFailed("The code is not valid. Check it, or ask for a new one.")
        if code is None or await self.waiting(reference, public_key) is None:
            raise failed
        digest = code_hash(self.secret, reference, code)
        confirmed = await verification.check_code(
            self.store, reference, digest, self.clock(), self.settings.verify_max_attempts
        )
        if confirmed is None:
            raise failed
        await self._announce(confirmed)
        return confirmed

    async def confirm_link(self, token: object) -> StoredRightsRequest:
        """The request a link's token names, now confirmed."""
        reference = link_reference(self.links, token, self.settings.verify_expire_after)
        confirmed = None
        if reference is not None:
            confirmed = await verification.confirm_requester(self.store, reference, self.clock())
        if confirmed is None:
            raise VerificationFailed("This link is not valid (any more).")
        await self._announce(confirmed)
        return confirmed

    async def language_of(self, token: object) -> str | None:
        """The language of the request a link's token names (waiting or confirmed), for the
        link page's texts; None for any other token. Reads only: no try is spent."""
        return await self.store.rights_language(
            link_reference(self.links, token, self.settings.verify_expire_after)
        )

    async def _announce(self, confirmed: StoredRightsRequest) -> None:
        try:
            if not confirmed.email_verified:  # an agent's half: the data subject's is to come
                if self.on_agent_confirmed is not None:
                    await self.on_agent_confirmed(confirmed)
            elif self.on_verified is not None:
                await self.on_verified([confirmed.reference])
        except Exception as exc:  # the owners' notices catch up in the next jobs round
            log.warning("notice not sent now: %s", type(exc).__name__)

    async def run_round(self) -> RoundReport:
        """The reminders now due (a new code each), then the expiry of unconfirmed requests."""
        now = self.clock()
        expire_before = now - timedelta(seconds=self.settings.verify_expire_after)
        remind_before = now - timedelta(seconds=self.settings.verify_reminder_after)
        reminded = 0
        for waiting in await verification.due_reminders(self.store, remind_before):
            reference = waiting.request.reference
            if waiting.request.received_at < expire_before:
                continue  # expires below; no reminder for it
            code = new_code()
            renewed = await verification.renew_code(
                self.store,
                reference,
                code_hash(self.secret, reference, code),
                now,
                self.ttl,
                not_before=now,
                reminder=True,
            )
            if renewed:
                await self.send(self._mail(waiting.request, code, reminder=True))
                reminded += 1
        expired = await verification.expire(self.store, expire_before)
        return RoundReport(reminded, expired)
