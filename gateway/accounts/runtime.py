"""What the accounts package holds in one running app, opened in the lifespan and closed after.

Accounts share the records store's database (``GATEWAY_DATABASE_URL``, SQLite in the data
folder on the embedded default), migrated to the newest revision at start; sessions go to Redis
when the gateway has one, else into the database; the sign-in throttle counts through the
gateway's limiter.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.accounts.sealing import sealer_for
from gateway.accounts.sessions.database import DatabaseSessionStore
from gateway.accounts.sessions.model import SessionManager, SessionRules, SessionStore
from gateway.accounts.sessions.redis import RedisSessionStore
from gateway.accounts.sso import OidcClient
from gateway.accounts.store import AccountStore
from gateway.accounts.throttle import (
    FailureCounter,
    MemoryFailures,
    RedisFailures,
    SignInThrottle,
)
from gateway.db import migrate
from gateway.db.engine import create_engine, records_url
from gateway.ratelimit.limiter import Limiter
from gateway.settings import Settings


@dataclass
class Accounts:
    store: AccountStore
    sessions: SessionManager
    throttle: SignInThrottle
    engine: AsyncEngine
    sso: OidcClient | None = None  # single sign-on, when GATEWAY_OIDC_ISSUER is set


def session_rules(settings: Settings) -> SessionRules:
    return SessionRules(idle=settings.session_idle_seconds, absolute=settings.session_max_seconds)


SSO_CALLBACK = "/console/sso/callback"


def sso_client(settings: Settings) -> OidcClient | None:
    if not settings.oidc_enabled:
        return None
    return OidcClient(settings, settings.public_url.rstrip("/") + SSO_CALLBACK)


@contextlib.asynccontextmanager
async def open_accounts(
    settings: Settings,
    client: aioredis.Redis | None,
    limiter: Limiter,
    shared: AsyncEngine | None = None,
) -> AsyncIterator[Accounts]:
    """Accounts on ``shared`` (the records store's engine, already migrated) or on an engine of
    their own: ``accounts.db`` in this instance's data folder (with Redis but no
    ``GATEWAY_DATABASE_URL``; set it when several instances share accounts)."""
    if shared is None:
        url = records_url(settings) or f"sqlite:///{(settings.data_dir / 'accounts.db').absolute()}"
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await migrate.ensure_newest(url)
    engine = shared or create_engine(url)
    try:
        sessions: SessionStore
        failures: FailureCounter
        if client is not None:
            sessions = RedisSessionStore(client)
            failures = RedisFailures(client)
        else:
            sessions = DatabaseSessionStore(engine)
            failures = MemoryFailures()
        throttle = SignInThrottle(
            limiter, settings.limit_sign_in, failures, settings.signing_secrets()[0].encode()
        )
        yield Accounts(
            store=AccountStore(engine, sealer_for(settings)),
            sessions=SessionManager(sessions, session_rules(settings)),
            throttle=throttle,
            engine=engine,
            sso=sso_client(settings),
        )
    finally:
        if shared is None:
            await engine.dispose()
