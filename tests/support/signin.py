"""A sign-in for the authorization endpoint's tests: a cookie, signed with the gateway's secret,
naming a member and their accounts.

It implements :class:`gateway.oauth.signin.SignIn` as the console's sessions will; until those are
wired into the authorization page, it is how a test is "signed in". The cookie is made with the
gateway's own signing serializer, so nothing unsigned is ever believed.
"""

from __future__ import annotations

from urllib.parse import quote

from itsdangerous import BadData
from starlette.requests import Request

from gateway.oauth.signin import Member
from gateway.signing import Signing

COOKIE = "wg_test_member"
PURPOSE = "test-sign-in"


class CookieSignIn:
    def __init__(self, signing: Signing) -> None:
        self.serializer = signing.serializer(PURPOSE)

    def cookie_for(self, member_id: str, name: str, accounts: list[str]) -> str:
        return str(self.serializer.dumps({"id": member_id, "name": name, "accounts": accounts}))

    async def who_is_signed_in(self, request: Request) -> Member | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self.serializer.loads(raw)
        except BadData:
            return None
        return Member(data["id"], data["name"], frozenset(data["accounts"]))

    def sign_in_url(self, return_to: str) -> str:
        return "/console/sign-in?next=" + quote(return_to, safe="")
