"""What the OAuth2 side of one running app holds: the authlib server, the signing keyring, the
grant store, the sign-in seam and the API forwarder's HTTP client. Built by :func:`open_oauth`
in the app's lifespan (see ``services.py``), on Redis when there is one, else in the data folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import redis.asyncio as aioredis

from gateway.oauth.server import GatewayAuthorizationServer
from gateway.oauth.signin import NoSignIn, SignIn
from gateway.oauth.signing_keys import FileSigningKeyStore, Keyring, RedisSigningKeyStore
from gateway.oauth.store import GrantStore
from gateway.oauth.store.file import FileGrantStore
from gateway.oauth.store.redis import RedisGrantStore
from gateway.settings import Settings

# authlib logs client ids (public keys) and token requests at debug level: keys stay out of logs.
logging.getLogger("authlib").setLevel(logging.WARNING)


@dataclass
class OAuth:
    server: GatewayAuthorizationServer
    keyring: Keyring
    grants: GrantStore
    http: httpx.AsyncClient
    # Replaced by the console's sessions when they are wired in (see signin.py).
    sign_in: SignIn

    async def close(self) -> None:
        await self.http.aclose()
        await self.grants.close()


def open_oauth(
    settings: Settings, client: aioredis.Redis | None, clock: Callable[[], float]
) -> OAuth:
    grants: GrantStore
    if client is not None:
        grants = RedisGrantStore(client)
        keyring = Keyring(
            RedisSigningKeyStore(client),
            settings.oauth_signing_key_rotation,
            settings.oauth_access_token_ttl,
            clock=clock,
        )
    else:
        grants = FileGrantStore(settings.data_dir, clock=clock)
        keyring = Keyring(
            FileSigningKeyStore(settings.data_dir),
            settings.oauth_signing_key_rotation,
            settings.oauth_access_token_ttl,
            clock=clock,
        )
    timeout = settings.api_upstream_timeout
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        follow_redirects=False,
        trust_env=False,
    )
    return OAuth(GatewayAuthorizationServer(), keyring, grants, http, NoSignIn())
