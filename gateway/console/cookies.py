"""The console's cookies: the session, and the known-device mark.

On HTTPS — or behind a TLS-terminating proxy, where the gateway sees plain HTTP for a public host —
the session cookie is ``__Host-wg_session``: ``Secure``, ``HttpOnly``, ``SameSite=Lax``,
``Path=/`` and no ``Domain``, which the ``__Host-`` prefix makes browsers enforce. A gateway
reached over plain HTTP on a loopback host (``127.0.0.1``, ``[::1]``, ``localhost``: the demo and
development) cannot set a ``Secure`` cookie, and browsers refuse ``__Host-`` without one, so there
the cookie is ``wg_session`` with the same attributes but ``Secure``.

The known-device cookie (``__Host-wg_device`` / ``wg_device``) names, signed, the person who last
signed in successfully in this browser; it lets that person past the per-address sign-in lock
(see :mod:`gateway.accounts.throttle`). It holds no secret and opens nothing by itself.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature
from starlette.requests import Request
from starlette.responses import Response

from gateway.signing import Signing

SESSION = "wg_session"
DEVICE = "wg_device"
DEVICE_DAYS = 180
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def secure_context(request: Request) -> bool:
    """False only for plain HTTP to a loopback host."""
    if request.url.scheme == "https":
        return True
    host = (request.url.hostname or "").lower()
    return host not in LOOPBACK_HOSTS and not host.startswith("127.")


def cookie_name(request: Request, base: str) -> str:
    return f"__Host-{base}" if secure_context(request) else base


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request, SESSION))


def _set(response: Response, request: Request, base: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        max_age=max_age,
        path="/",
        secure=secure_context(request),
        httponly=True,
        samesite="lax",
    )


def set_session(response: Response, request: Request, token: str) -> None:
    # A session cookie (no Max-Age): the server decides when a session ends.
    _set(response, request, SESSION, token, None)


def clear_session(response: Response, request: Request) -> None:
    _set(response, request, SESSION, "", 0)


def set_known_device(response: Response, request: Request, signing: Signing, person: str) -> None:
    value = signing.serializer("known-device").dumps(person)
    _set(response, request, DEVICE, str(value), DEVICE_DAYS * 86_400)


def known_device_person(request: Request, signing: Signing) -> str | None:
    raw = request.cookies.get(cookie_name(request, DEVICE))
    if not raw or len(raw) > 200:
        return None
    try:
        person = signing.serializer("known-device").loads(raw, max_age=DEVICE_DAYS * 86_400)
    except BadSignature:
        return None
    return person if isinstance(person, str) else None


# Single sign-on: what a browser keeps, signed, between leaving for the provider and coming
# back (state, nonce, PKCE verifier), then, for a person with two-factor sign-in, who passed the
# provider and still owes a code. Ten minutes, then a sign-in starts again.
SSO = "wg_sso"
SSO_SECONDS = 600


def set_sso(response: Response, request: Request, signing: Signing, data: dict[str, Any]) -> None:
    value = signing.serializer("sso-pending").dumps(data)
    _set(response, request, SSO, str(value), SSO_SECONDS)


def sso_pending(request: Request, signing: Signing) -> dict[str, Any] | None:
    raw = request.cookies.get(cookie_name(request, SSO))
    if not raw or len(raw) > 1000:
        return None
    try:
        data = signing.serializer("sso-pending").loads(raw, max_age=SSO_SECONDS)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def clear_sso(response: Response, request: Request) -> None:
    _set(response, request, SSO, "", 0)
