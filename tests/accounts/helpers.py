"""A console in-process for tests: an injected clock, people with their own cookie jars."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from starlette.datastructures import Secret
from starlette.testclient import TestClient

from gateway.accounts import invitations
from gateway.accounts.records import Role
from gateway.app import create_app
from gateway.services import Services
from gateway.settings import Settings
from tests.gwclient import settings_for

TOKEN = secrets.token_urlsafe(32)
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
PASSWORD = "correct horse battery staple"
BASE = "https://gw.example"
START = 1_800_000_000.0


class Clock:
    """Wall-clock time that a test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def console_settings(data_dir: Path, redis_url: str | None = None, **overrides: Any) -> Settings:
    base = settings_for(data_dir, redis_url, admin_token=Secret(TOKEN), key_cache_ttl=0.0)
    return replace(base, **{"limit_sign_in": "1000/minute", **overrides})


@dataclass
class Browser:
    """One person's browser: its cookies and the CSRF token the console API gave it."""

    client: TestClient
    jar: httpx.Cookies = field(default_factory=httpx.Cookies)
    csrf: str = ""
    person_id: str = ""

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if method not in ("GET", "HEAD") and self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        self.client.cookies = self.jar
        response = self.client.request(method, path, headers=headers, **kwargs)
        self.jar = self.client.cookies
        body = _json(response)
        if isinstance(body, dict) and isinstance(body.get("csrf_token"), str):
            self.csrf = body["csrf_token"]
        return response

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar.jar if c.name == name), None)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def sign_in(
        self,
        email: str,
        password: str = PASSWORD,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> httpx.Response:
        body = {"email": email, "password": password, **extra}
        return self.post("/console/api/sign-in", json=body, headers=headers)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@dataclass
class Console:
    client: TestClient
    clock: Clock

    @property
    def services(self) -> Services:
        services: Services = self.client.app.state.services  # type: ignore[attr-defined]
        return services

    def browser(self) -> Browser:
        return Browser(self.client)

    def create_account(self, name: str, owner: str) -> tuple[str, str]:
        """A new account through the admin API; its id and the owner's invitation token."""
        r = self.client.post(
            "/admin/v1/accounts", json={"name": name, "owner": owner}, headers=ADMIN
        )
        assert r.status_code == 201, r.text
        return r.json()["id"], token_of(r.json()["invitation_url"])

    def invite(self, account_id: str, email: str, role: Role) -> str:
        """An invitation token made as an owner's invite makes it (the e-mail is queued too)."""
        services = self.services

        async def make() -> str:
            account = await services.accounts.store.account(account_id)
            assert account is not None
            _, link = await invitations.invite(
                services.accounts,
                services.mailer,
                services.settings,
                account,
                email,
                role,
                None,
                self.clock(),
            )
            return token_of(link)

        return self.client.portal.call(make)  # type: ignore[union-attr]

    def join(self, token: str, password: str = PASSWORD) -> Browser:
        browser = self.browser()
        r = browser.post(
            "/console/api/invitations/accept", json={"token": token, "password": password}
        )
        assert r.status_code == 201, r.text
        browser.person_id = r.json()["id"]
        return browser

    def owner_of(self, name: str, email: str) -> tuple[str, Browser]:
        account_id, token = self.create_account(name, email)
        return account_id, self.join(token)


def token_of(link: str) -> str:
    fragment = link.split("#", 1)[1]
    assert fragment.startswith(("invitation=", "reset="))
    return fragment.split("=", 1)[1]


@contextmanager
def open_console(settings: Settings, base_url: str = BASE) -> Iterator[Console]:
    clock = Clock()
    with TestClient(
        create_app(settings), base_url=base_url, raise_server_exceptions=False
    ) as client:
        client.app.state.services.clock = clock  # type: ignore[attr-defined]
        yield Console(client, clock)
