"""What the OAuth2 side of one running app holds: the authlib server, the signing keyring, the
grant store, the sign-in seam and the API forwarder's HTTP client. Built by :func:`open_oauth`
in the app's lifespan (see ``services.py``), on Redis when there is one, else in the data folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import redis.asyncio as aioredis

from gateway.oauth.server import GatewayAuthorizationServer
from gateway.oauth.signin import NoSignIn, SignIn
from gateway.oauth.signing_keys import (
    ASSERTION_KEYS,
    TOKEN_KEYS,
    FileSigningKeyStore,
    Keyring,
    RedisSigningKeyStore,
)
from gateway.oauth.store import GrantStore
from gateway.oauth.store.file import FileGrantStore
from gateway.oauth.store.redis import RedisGrantStore
from gateway.oauth.verified import VerifiedTokens
from gateway.settings import Settings

# authlib logs client ids (public keys) and token requests at debug level: keys stay out of logs.
logging.getLogger("authlib").setLevel(logging.WARNING)
# How long an assertion key stays published after its successor took over: a service may keep
# an assertion with the record it came with and check it again later (the receiving example
# accepts assertions a week old).
ASSERTION_KEY_RETENTION = 7 * 86400.0


@dataclass
class OAuth:
    server: GatewayAuthorizationServer
    keyring: Keyring
    # The separate set that signs the gateway's assertions to its services.
    assertion_keys: Keyring
    grants: GrantStore
    http: httpx.AsyncClient
    # The console's sessions (console_signin.py), set in services.py.
    sign_in: SignIn
    # Access tokens whose signature verified lately (api_auth.py).
    verified: VerifiedTokens = field(default_factory=VerifiedTokens)

    async def close(self) -> None:
        await self.http.aclose()
        await self.grants.close()


def open_keyring(
    settings: Settings,
    client: aioredis.Redis | None,
    name: str,
    retention: float,
    clock: Callable[[], float],
) -> Keyring:
    """The key set ``name`` on Redis when there is one, else in the data folder."""
    store = (
        RedisSigningKeyStore(client, name)
        if client is not None
        else FileSigningKeyStore(settings.data_dir, name)
    )
    return Keyring(store, settings.oauth_signing_key_rotation, retention, clock=clock)


def open_oauth(
    settings: Settings, client: aioredis.Redis | None, clock: Callable[[], float]
) -> OAuth:
    grants: GrantStore
    if client is not None:
        grants = RedisGrantStore(client)
    else:
        grants = FileGrantStore(settings.data_dir, clock=clock)
    keyring = open_keyring(
        settings, client, TOKEN_KEYS, settings.oauth_access_token_ttl, clock=clock
    )
    assertion_keys = open_keyring(
        settings, client, ASSERTION_KEYS, ASSERTION_KEY_RETENTION, clock=clock
    )
    timeout = settings.api_upstream_timeout
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        follow_redirects=False,
        trust_env=False,
    )
    return OAuth(GatewayAuthorizationServer(), keyring, assertion_keys, grants, http, NoSignIn())
