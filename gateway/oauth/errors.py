"""The API side's errors (RFC 6750 bearer tokens, the forwarder), in the gateway's error tree.

The OAuth2 endpoints answer RFC 6749 §5.2 errors through authlib; the API under ``/api/v1/``
answers problem+json like the rest of the gateway, with ``WWW-Authenticate`` as RFC 6750 §3 asks.
"""

from __future__ import annotations

from gateway.errors import GatewayError


class InvalidToken(GatewayError):
    """The bearer token is missing, malformed, expired, revoked, or its key is.

    ``client_id`` is the key a genuine token was issued to (its signature verified), so the
    answer can carry CORS for that key's origins: a page must be able to read that its token
    ended. A token whose signature does not verify names no key.
    """

    status = 401
    code = "invalid_token"
    title = "Invalid access token"

    def __init__(self, detail: str, client_id: str | None = None) -> None:
        challenge = f'Bearer error="invalid_token", error_description="{detail}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})
        self.client_id = client_id


class InsufficientScope(GatewayError):
    status = 403
    code = "insufficient_scope"
    title = "Scope not granted"

    def __init__(self, scope: str) -> None:
        challenge = f'Bearer error="insufficient_scope", scope="{scope}"'
        super().__init__(
            f"this call needs the scope {scope}",
            headers={"WWW-Authenticate": challenge},
            extra={"scope": scope},
        )


class UpstreamUnavailable(GatewayError):
    """The service that answers this API family could not be reached or timed out."""

    status = 502
    code = "upstream_unavailable"
    title = "API service unavailable"
