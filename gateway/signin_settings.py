"""The settings of how people sign in beyond a password: single sign-on through an OpenID Connect
provider, and the key that seals the two-factor secrets kept in the database.

:class:`SignInSettings` is a base of :class:`~gateway.settings.Settings` (its fields are read from
``GATEWAY_*`` variables and listed in ``docs/settings.md`` like every other), kept apart so that
each group of settings stays a readable size.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Secret


def _setting(default: Any, doc: str, secret: bool = False) -> Any:
    return field(default=default, metadata={"doc": doc, "env": None, "secret": secret})


def parse_secrets_keys(raw: str) -> list[bytes]:
    """The 32-byte keys of a comma-separated list of base64url values, newest first."""
    keys = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        try:
            key = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            raise ValueError("each key must be base64url") from None
        if len(key) != 32:
            raise ValueError("each key must be 32 bytes (43 base64url characters)")
        keys.append(key)
    return keys


@dataclass(frozen=True)
class SignInSettings:
    secrets_key: Secret | None = _setting(
        None,
        "Keys that seal two-factor secrets in the database (AES-256-GCM): 32 random bytes as "
        "base64url each, comma-separated, newest first (older ones still open what they sealed, "
        "which is sealed again with the newest). Unset: the embedded default creates one in the "
        "data folder; with Redis, keys are derived from `GATEWAY_SECRET_KEY`.",
        secret=True,
    )
    oidc_issuer: str | None = _setting(
        None,
        "Single sign-on: the OpenID Connect provider's issuer URL (its discovery document is "
        "`<issuer>/.well-known/openid-configuration`). Unset: no single sign-on.",
    )
    oidc_client_id: str | None = _setting(
        None, "Single sign-on: the gateway's client id at the provider."
    )
    oidc_client_secret: Secret | None = _setting(
        None, "Single sign-on: the gateway's client secret at the provider.", secret=True
    )
    oidc_provider_name: str = _setting(
        "single sign-on",
        'Single sign-on: the provider\'s name on the sign-in page ("Sign in with <name>").',
    )
    oidc_scopes: str = _setting(
        "openid email profile", "Single sign-on: the scopes asked for, space-separated."
    )

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    def signin_problems(self) -> Iterator[tuple[str, str]]:
        """``(variable, what is wrong)`` for each sign-in setting that cannot work."""
        if self.secrets_key is not None:
            try:
                parse_secrets_keys(str(self.secrets_key))
            except ValueError as exc:
                yield "SECRETS_KEY", str(exc)
        issuer = self.oidc_issuer
        if issuer is None:
            if self.oidc_client_id is not None:
                yield "OIDC_ISSUER", "required when GATEWAY_OIDC_CLIENT_ID is set"
            return
        if not issuer.startswith(("https://", "http://")) or "?" in issuer or "#" in issuer:
            yield "OIDC_ISSUER", "must be an http(s):// URL without a query or fragment"
        if self.oidc_client_id is None:
            yield "OIDC_CLIENT_ID", "required when GATEWAY_OIDC_ISSUER is set"
        if self.oidc_client_secret is None:
            yield "OIDC_CLIENT_SECRET", "required when GATEWAY_OIDC_ISSUER is set"
        if "openid" not in self.oidc_scopes.split():
            yield "OIDC_SCOPES", "must include openid"
        if not 0 < len(self.oidc_provider_name) <= 60:
            yield "OIDC_PROVIDER_NAME", "must be 1 to 60 characters"
