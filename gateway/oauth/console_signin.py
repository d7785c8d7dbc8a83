"""The authorization page's sign-in through the owner console's sessions.

A browser is signed in when its console session cookie names a live session (the same check the
console API makes). The member it stands for may authorize applications for the active accounts
in which they can change keys — ``owner`` or ``admin``; a viewer sees keys but hands out no
access. Someone not signed in is sent to ``/console/?next=…``, which returns them to the
authorization request once signed in.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.requests import Request

from gateway.accounts.runtime import Accounts
from gateway.console.cookies import session_token
from gateway.oauth.signin import Member

CONSOLE = "/console/"
AUTHORIZING_ROLES = frozenset({"owner", "admin"})


class ConsoleSignIn:
    def __init__(self, accounts: Accounts, clock: Callable[[], float]) -> None:
        self.accounts = accounts
        self.clock = clock

    async def who_is_signed_in(self, request: Request) -> Member | None:
        token = session_token(request)
        if not token:
            return None
        session = await self.accounts.sessions.find(token, self.clock())
        if session is None:
            return None
        person = await self.accounts.store.person(session.person_id)
        if person is None:
            return None
        memberships = await self.accounts.store.accounts_of(person.id)
        allowed = frozenset(
            a.id for a, role in memberships if a.active and role in AUTHORIZING_ROLES
        )
        return Member(person.id, person.name or person.email, allowed)

    def sign_in_url(self, return_to: str) -> str:
        return f"{CONSOLE}?next={quote(return_to, safe='')}"
