"""Console sessions: cookie attributes, rotation, idle and absolute expiry, ending them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import uvloop

from gateway.accounts.sessions.model import SessionManager, SessionRules
from gateway.accounts.sessions.redis import RedisSessionStore
from gateway.accounts.tokens import digest
from tests.accounts.helpers import PASSWORD, Console, console_settings, open_console

NOW = 1_800_000_000.0


def set_cookie_of(r: object, name: str) -> str:
    headers = r.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next(h for h in headers if h.startswith(name + "="))


def test_the_session_cookie_is_host_prefixed_secure_httponly_lax(console: Console) -> None:
    console.create_account("Shop", "alice@shop.example")
    _, token = console.create_account("Shop 2", "bob@shop.example")
    browser = console.browser()
    r = browser.post("/console/api/invitations/accept", json={"token": token, "password": PASSWORD})
    cookie = set_cookie_of(r, "__Host-wg_session").lower()
    for part in ("; secure", "; httponly", "; samesite=lax", "; path=/"):
        assert part in cookie
    assert "domain=" not in cookie and "max-age" not in cookie


def test_on_loopback_http_the_cookie_is_wg_session_without_secure(data_dir: Path) -> None:
    with open_console(console_settings(data_dir), base_url="http://127.0.0.1:8000") as console:
        _, token = console.create_account("Shop", "alice@shop.example")
        browser = console.browser()
        r = browser.post(
            "/console/api/invitations/accept", json={"token": token, "password": PASSWORD}
        )
        cookie = set_cookie_of(r, "wg_session").lower()
        assert "; secure" not in cookie and "; httponly" in cookie and "samesite=lax" in cookie
        assert browser.get("/console/api/me").status_code == 200


def test_sign_in_issues_a_new_id_and_the_old_one_stops_working(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    before = owner.cookie("__Host-wg_session")
    assert owner.sign_in("alice@shop.example").status_code == 200
    after = owner.cookie("__Host-wg_session")
    assert before and after and before != after
    stale = console.browser()
    stale.jar.set("__Host-wg_session", before, domain="gw.example")
    assert stale.get("/console/api/me").status_code == 401


def test_a_session_ends_after_30_idle_minutes(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    console.clock.advance(29 * 60)
    assert owner.get("/console/api/me").status_code == 200  # restarts the idle clock
    console.clock.advance(29 * 60)
    assert owner.get("/console/api/me").status_code == 200
    console.clock.advance(30 * 60)
    r = owner.get("/console/api/me")
    assert r.status_code == 401 and r.json()["code"] == "not_signed_in"


def test_a_session_ends_12_hours_after_sign_in_however_active(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    for _ in range(12 * 4 - 1):
        console.clock.advance(15 * 60)
        assert owner.get("/console/api/me").status_code == 200
    console.clock.advance(15 * 60)
    assert owner.get("/console/api/me").status_code == 401


def test_a_password_change_ends_every_session_and_rotates_the_current(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    laptop = console.browser()
    assert laptop.sign_in("alice@shop.example").status_code == 200
    old = owner.cookie("__Host-wg_session")
    r = owner.post(
        "/console/api/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert r.status_code == 200, r.text
    assert laptop.get("/console/api/me").status_code == 401
    assert owner.cookie("__Host-wg_session") != old
    assert owner.get("/console/api/me").status_code == 200
    assert console.browser().sign_in("alice@shop.example").status_code == 401
    assert (
        console.browser().sign_in("alice@shop.example", "a brand new passphrase").status_code == 200
    )


def test_the_sessions_list_signs_out_one_session(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    phone = console.browser()
    phone.sign_in("alice@shop.example", headers={"User-Agent": "Phone"})
    listed = owner.get("/console/api/me/sessions").json()["sessions"]
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    other = next(s for s in listed if not s["current"])
    assert other["user_agent"] == "Phone"
    assert owner.request("DELETE", f"/console/api/me/sessions/{other['id']}").status_code == 204
    assert phone.get("/console/api/me").status_code == 401
    assert owner.get("/console/api/me").status_code == 200


async def redis_session_round(url: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        manager = SessionManager(RedisSessionStore(client), SessionRules(1800, 43_200))
        token, session = await manager.start("per_1", NOW, "Firefox", "203.0.113.0")
        assert await client.get(f"wg:session:{token}") is None  # only the digest is a key
        assert await client.exists(f"wg:session:{digest(token)}") == 1
        assert (await manager.find(token, NOW + 60)) is not None
        rotated, _ = await manager.rotate(session, NOW + 61)
        assert await manager.find(token, NOW + 62) is None
        assert (await manager.find(rotated, NOW + 62)) is not None
        await manager.start("per_1", NOW + 63)
        assert len(await manager.live_of("per_1", NOW + 64)) == 2
        assert await manager.find(rotated, NOW + 62 + 1800) is None  # idle
        assert await manager.end_all("per_1") == 1
        assert await manager.live_of("per_1", NOW + 65) == []
    finally:
        await client.aclose()


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_sessions_in_redis_on_both_event_loops(redis_url: str, loop: str) -> None:
    if loop == "uvloop":
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(redis_session_round(redis_url))
    else:
        asyncio.run(redis_session_round(redis_url))


def test_the_console_keeps_sessions_in_redis_when_configured(
    data_dir: Path, redis_url: str
) -> None:
    with open_console(console_settings(data_dir, redis_url)) as console:
        _, owner = console.owner_of("Shop", "alice@shop.example")
        assert owner.get("/console/api/me").status_code == 200
        client = console.services.redis
        assert client is not None
        keys = console.client.portal.call(client.keys, "wg:session:*")  # type: ignore[union-attr]
        assert len(keys) == 1
