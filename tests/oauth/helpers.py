"""Shared steps of the OAuth2 tests: gateways, keys, tokens, the authorization-code dance."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from gateway.keys.model import NewKey
from gateway.services import Services
from tests.gwclient import SITE, client_for, settings_for, stored_key
from tests.support.signin import COOKIE, CookieSignIn

APP_ORIGIN = "https://app.example"
REDIRECT = "https://app.example/callback"


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


@contextmanager
def gateway(data_dir: Path, redis_url: str | None = None, **overrides: Any) -> Iterator[TestClient]:
    settings = settings_for(data_dir, redis_url, **overrides)
    with client_for(settings) as client:
        services = services_of(client)
        services.oauth.sign_in = CookieSignIn(services.signing)
        yield client


def api_key(client: TestClient, **fields: Any) -> NewKey:
    fields.setdefault("redirect_uris", (REDIRECT,))
    origins = fields.pop("origins", (SITE, APP_ORIGIN))
    return stored_key(services_of(client).settings, origins, **fields)


def basic(new: NewKey, secret: str | None = None) -> dict[str, str]:
    raw = f"{new.key.public_key}:{secret or new.private_key}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def client_credentials(client: TestClient, new: NewKey, **form: str) -> Any:
    return client.post(
        "/oauth/token", data={"grant_type": "client_credentials", **form}, headers=basic(new)
    )


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def sign_in(client: TestClient, new: NewKey, member: str = "person-1") -> None:
    sign_in_ = services_of(client).oauth.sign_in
    assert isinstance(sign_in_, CookieSignIn)
    client.cookies.set(COOKIE, sign_in_.cookie_for(member, "Ada", [new.key.account]))


def authorize_params(new: NewKey, challenge: str, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": new.key.public_key,
        "redirect_uri": REDIRECT,
        "state": "st-" + secrets.token_hex(4),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "consents:read offline_access",
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v != ""}


def consent_fields(page: str) -> list[tuple[str, str]]:
    import re

    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    from html import unescape

    return [(unescape(n), unescape(v)) for n, v in found]


def get_code(client: TestClient, new: NewKey, challenge: str, **extra: str) -> str:
    """Sign in, open the consent page, allow; the code from the redirect."""
    sign_in(client, new)
    page = client.get("/oauth/authorize", params=authorize_params(new, challenge, **extra))
    assert page.status_code == 200, page.text
    answer = post_form(
        client, "/oauth/authorize", [*consent_fields(page.text), ("decision", "allow")]
    )
    assert answer.status_code == 302, answer.text
    query = redirect_query(answer.headers["location"])
    return query["code"]


def post_form(client: TestClient, path: str, pairs: list[tuple[str, str]]) -> Any:
    from urllib.parse import urlencode

    return client.post(
        path,
        content=urlencode(pairs),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def redirect_query(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


def exchange(client: TestClient, new: NewKey, code: str, verifier: str, **extra: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": new.key.public_key,
        "code_verifier": verifier,
        **extra,
    }
    return client.post("/oauth/token", data={k: v for k, v in form.items() if v != ""})


def who_am_i(client: TestClient, token: str) -> Any:
    return client.get("/api/v1/key", headers={"Authorization": f"Bearer {token}"})
