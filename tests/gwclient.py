"""Building in-process gateways for tests: settings, a stored key, a TestClient with lifespan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.keys.model import NewKey, create_key
from gateway.keys.store import FileKeyStore
from gateway.settings import Settings
from tests.support.aio import run as run_sync
from tests.support.aio import testclient_options

SITE = "https://shop.example"
SECRET = "test-secret-" + "x" * 40


def settings_for(data_dir: Path, redis_url: str | None = None, **overrides: Any) -> Settings:
    from starlette.datastructures import Secret

    base = Settings(data_dir=data_dir)
    if redis_url is not None:
        base = replace(base, redis_url=Secret(redis_url), secret_keys=(Secret(SECRET),))
    return replace(base, **overrides)


def stored_key(settings: Settings, origins: tuple[str, ...] = (SITE,), **fields: Any) -> NewKey:
    """Create a key in the store the gateway with ``settings`` reads."""
    new = create_key("acct-1", "Shop", origins, **fields)

    async def put() -> None:
        if settings.redis_url is None:
            await FileKeyStore(settings.data_dir).put(new.key)
        else:
            from gateway.keys.redis_store import RedisKeyStore
            from gateway.redis_client import connect

            # Setting up, not under test: a Redis slow to answer on a loaded machine (a cluster
            # just formed) gets longer than the gateway's own timeout.
            client = connect(replace(settings, redis_timeout=5.0))
            await RedisKeyStore(client).put(new.key)
            await client.aclose()

    run_sync(put())
    return new


def client_for(settings: Settings, routes: list[Any] | None = None) -> TestClient:
    """A TestClient for a gateway app, on the test's event loop; enter it (``with``) to run the
    lifespan."""
    app = create_app(settings)
    for route in routes or ():
        app.router.routes.insert(0, route)
    return TestClient(app, raise_server_exceptions=False, backend_options=testclient_options())
