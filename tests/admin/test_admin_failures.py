"""Guessing the admin token is throttled per address and over all addresses, on real servers
reached from several loopback addresses; the real admin is never locked out."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest
from starlette.datastructures import Secret

from gateway.app import create_app
from tests.gwclient import settings_for
from tests.support.servers import ServerThread

TOKEN = secrets.token_urlsafe(32)


def keys(server: ServerThread, token: str, source: str) -> httpx.Response:
    """``GET /admin/v1/keys`` with ``token``, sent from the loopback address ``source``."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, base_url=server.url, timeout=10) as client:
        return client.get("/admin/v1/keys", headers={"Authorization": f"Bearer {token}"})


def test_guesses_from_one_address_are_refused_but_the_real_token_never_is(
    tmp_path: Path,
) -> None:
    settings = settings_for(
        tmp_path,
        admin_token=Secret(TOKEN),
        limit_admin="3/hour",
        limit_admin_failures="100/hour",
    )
    with ServerThread(create_app(settings)) as gw:
        guesses = [keys(gw, "guess-" + secrets.token_urlsafe(8), "127.0.0.2") for _ in range(4)]
        assert [r.status_code for r in guesses] == [401, 401, 401, 429]
        assert guesses[-1].json()["code"] == "rate_limited"
        assert int(guesses[-1].headers["retry-after"]) > 0
        # The same address, its failure budget spent: the real token still works, every time,
        # and is not counted against anything.
        for _ in range(5):
            assert keys(gw, TOKEN, "127.0.0.2").status_code == 200
        # Another address has a budget of its own.
        assert keys(gw, "guess", "127.0.0.3").status_code == 401


@pytest.mark.redis
def test_guesses_spread_over_addresses_and_instances_spend_one_shared_budget(
    tmp_path: Path, redis_url: str
) -> None:
    def instance(name: str) -> ServerThread:
        settings = settings_for(
            tmp_path / name,
            redis_url,
            admin_token=Secret(TOKEN),
            limit_admin="100/hour",
            limit_admin_failures="6/hour",
        )
        return ServerThread(create_app(settings))

    with instance("a") as a, instance("b") as b:
        # Six addresses, one guess each, alternating between the instances: each address is
        # far below its own budget, and together they spend the budget of all addresses.
        for n in range(6):
            assert keys((a, b)[n % 2], "guess", f"127.0.0.{10 + n}").status_code == 401
        refused = keys(b, "guess", "127.0.0.30")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert keys(a, "guess", "127.0.0.31").status_code == 429
        # The real admin, from a fresh address or one that guessed, on either instance.
        assert keys(a, TOKEN, "127.0.0.10").status_code == 200
        assert keys(b, TOKEN, "127.0.0.40").status_code == 200
