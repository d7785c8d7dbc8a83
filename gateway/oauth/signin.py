"""Who is signed in, as the authorization page needs to know: the seam to the owner console.

The authorization endpoint asks :meth:`SignIn.who_is_signed_in` for the member behind a browser
request, and sends a visitor who is nobody to :meth:`SignIn.sign_in_url`, which brings them back
once signed in. The console's sessions provide the real implementation; :class:`NoSignIn`, used
while none is configured, knows nobody, so the authorization-code flow cannot complete — client
credentials and everything else work without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from starlette.requests import Request

SIGN_IN_PATH = "/console/sign-in"


@dataclass(frozen=True)
class Member:
    """A signed-in person and the accounts they are a member of."""

    id: str
    name: str
    accounts: frozenset[str]


class SignIn(Protocol):
    async def who_is_signed_in(self, request: Request) -> Member | None: ...

    def sign_in_url(self, return_to: str) -> str:
        """Where to send a browser to sign in; ``return_to`` is a path on this gateway."""


class NoSignIn:
    async def who_is_signed_in(self, request: Request) -> Member | None:
        return None

    def sign_in_url(self, return_to: str) -> str:
        return f"{SIGN_IN_PATH}?next={quote(return_to, safe='')}"
