"""Cross-site request forgery: two checks on every state-changing console request.

1. **Where it comes from.** A browser says so: ``Sec-Fetch-Site`` must be ``same-origin`` (or
   ``none``: typed by the person), and ``Origin``, when sent, must be the gateway's own origin —
   the one the request was made to, or ``GATEWAY_PUBLIC_URL``'s behind a proxy. Sign-in is checked
   this way too (no forged sign-in into the attacker's account).
2. **What it knows.** Once signed in, the request must carry the session's synchroniser token, in
   the ``X-CSRF-Token`` header or a ``csrf_token`` field of the body. Another site can make a
   browser send the cookie, but cannot read the token.

Either failure answers ``403 csrf_failed``.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from gateway.accounts.errors import CsrfFailed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HEADER = "x-csrf-token"
FIELD = "csrf_token"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_origin(request: Request, public_url: str) -> None:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.lower() not in ("same-origin", "none"):
        raise CsrfFailed("this request came from another site")
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = {_origin_of(str(request.base_url)), _origin_of(public_url)}
    if origin.lower() not in own:
        raise CsrfFailed("this request came from another origin")


def check_token(request: Request, body: dict[str, Any], expected: str) -> None:
    presented = request.headers.get(HEADER) or body.get(FIELD)
    if not isinstance(presented, str) or not hmac.compare_digest(
        presented.encode("utf-8", "replace"), expected.encode()
    ):
        raise CsrfFailed("send this session's CSRF token in the X-CSRF-Token header")
