"""What one running app holds: settings, clients, stores, limiter, signing, sinks, metrics.

Built in the app's lifespan by :func:`open_services` and closed in reverse order, so no state
exists at import time and tests can run several apps side by side.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from gateway import redis_client
from gateway.accounts.runtime import Accounts, open_accounts
from gateway.delivery import start_delivery
from gateway.keycache import KeyCache
from gateway.keystore import FileKeyStore, KeyStore
from gateway.keystore_redis import RedisKeyStore
from gateway.mail.mailer import Mailer, open_mailer
from gateway.metrics import Metrics
from gateway.ratelimit import Limiter
from gateway.settings import Settings
from gateway.signing import Signing
from gateway.sinks import Sink, build_sinks

log = logging.getLogger("gateway")


@dataclass
class Services:
    settings: Settings
    store: KeyStore
    keys: KeyCache
    limiter: Limiter
    signing: Signing
    sinks: dict[str, Sink]
    metrics: Metrics
    # Outgoing e-mail: ``await services.mailer.send(mail)``.
    mailer: Mailer
    # Account owners: people, sessions, sign-in throttle (see gateway.accounts).
    accounts: Accounts
    redis: aioredis.Redis | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # Wall-clock time for key changes and private-key expiry; tests replace it to move in time.
    clock: Callable[[], float] = time.time


@contextlib.asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    async with contextlib.AsyncExitStack() as stack:
        client: aioredis.Redis | None = None
        listener: aioredis.Redis | None = None
        store: KeyStore
        if settings.redis_url is not None:
            client = redis_client.connect(settings)
            stack.push_async_callback(client.aclose)
            listener = redis_client.connect(settings, blocking=True)
            stack.push_async_callback(listener.aclose)
            store = RedisKeyStore(client)
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            store = FileKeyStore(settings.data_dir)
        stack.push_async_callback(store.close)
        keys = KeyCache(store, ttl=settings.key_cache_ttl)
        stack.push_async_callback(keys.close)
        if listener is not None:
            keys.start_listening(listener)
        limiter = Limiter(settings, str(settings.redis_url) if settings.redis_url else None)
        stack.push_async_callback(limiter.close)
        sinks = build_sinks(settings, client)
        for sink in sinks.values():
            stack.push_async_callback(sink.close)
        # Its worker stops before the Redis client it uses is closed.
        mailer = open_mailer(settings, client)
        stack.push_async_callback(mailer.close)
        accounts = await stack.enter_async_context(open_accounts(settings, client, limiter))
        metrics = Metrics()
        metrics.on_collect(lambda: metrics.degraded.set(float(limiter.degraded), part="limiter"))
        services = Services(
            settings=settings,
            store=store,
            keys=keys,
            limiter=limiter,
            signing=Signing(settings.signing_secrets()),
            sinks=sinks,
            metrics=metrics,
            mailer=mailer,
            accounts=accounts,
            redis=client,
        )
        # Workers for HTTP sinks; stopped before the sinks and Redis they use are closed.
        delivery = start_delivery(services)
        stack.push_async_callback(delivery.stop)
        services.extras["delivery"] = delivery
        yield services
