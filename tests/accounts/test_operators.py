"""Operators: accounts from the command line and the admin API, suspension, deletion, mail."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

from starlette.datastructures import Secret

from tests.accounts.helpers import (
    ADMIN,
    PASSWORD,
    Console,
    console_settings,
    open_console,
    token_of,
)
from tests.cli.test_cli import cli
from tests.support.smtp import SmtpServer
from tests.support.wait import poll

SITE = "https://shop.example"


def test_the_cli_creates_an_account_whose_invitation_link_works(data_dir: Path) -> None:
    made = cli(data_dir, "accounts", "create", "--name", "Shop", "--owner", "Alice@Shop.Example")
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8000/console/#invitation=")
    listed = cli(data_dir, "accounts", "list", "--json")
    (account,) = json.loads(listed.stdout)["accounts"]
    assert account["name"] == "Shop" and account["status"] == "active"
    with open_console(console_settings(data_dir)) as console:
        console.clock.now = time.time()  # the command line stamped the invitation with real time
        browser = console.browser()
        shown = browser.post("/console/api/invitations/show", json={"token": token_of(link)})
        assert shown.json()["email"] == "alice@shop.example" and shown.json()["role"] == "owner"
        accepted = browser.post(
            "/console/api/invitations/accept", json={"token": token_of(link), "password": PASSWORD}
        )
        assert accepted.status_code == 201, accepted.text
        me = browser.get("/console/api/me").json()
        assert [(a["id"], a["role"]) for a in me["accounts"]] == [(account["id"], "owner")]
        again = console.browser().post(
            "/console/api/invitations/accept", json={"token": token_of(link), "password": PASSWORD}
        )
        assert again.status_code == 400 and again.json()["code"] == "link_invalid"


def test_an_invitation_link_expires(console: Console) -> None:
    _, token = console.create_account("Shop", "alice@shop.example")
    console.clock.advance(7 * 86_400)
    r = console.browser().post(
        "/console/api/invitations/accept", json={"token": token, "password": PASSWORD}
    )
    assert r.status_code == 400 and r.json()["code"] == "link_invalid"


def test_a_suspended_accounts_keys_stop_working_until_reinstated(console: Console) -> None:
    account_id, owner = console.owner_of("Shop", "alice@shop.example")
    created = owner.post(
        f"/console/api/accounts/{account_id}/keys", json={"name": "Site", "origins": [SITE]}
    )
    assert created.status_code == 201, created.text
    pk = created.json()["public_key"]
    config = f"/v1/{pk}/consent/config"
    client = console.client
    assert client.get(config, headers={"Origin": SITE}).status_code == 200
    r = client.post(f"/admin/v1/accounts/{account_id}/suspend", headers=ADMIN)
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    refused = client.get(config, headers={"Origin": SITE})
    assert refused.status_code == 403 and refused.json()["code"] == "account_suspended"
    change = owner.post(f"/console/api/accounts/{account_id}/keys/{pk}/roll")
    assert change.status_code == 403 and change.json()["code"] == "account_suspended"
    assert owner.get(f"/console/api/accounts/{account_id}/keys").status_code == 200  # reading ok
    assert (
        client.post(f"/admin/v1/accounts/{account_id}/reinstate", headers=ADMIN).status_code == 200
    )
    assert client.get(config, headers={"Origin": SITE}).status_code == 200


def test_deleting_an_account_revokes_its_keys_and_ends_membership(console: Console) -> None:
    account_id, owner = console.owner_of("Shop", "alice@shop.example")
    pk = owner.post(
        f"/console/api/accounts/{account_id}/keys", json={"name": "Site", "origins": [SITE]}
    ).json()["public_key"]
    assert (
        console.client.delete(f"/admin/v1/accounts/{account_id}", headers=ADMIN).status_code == 204
    )
    r = console.client.get(f"/v1/{pk}/consent/config", headers={"Origin": SITE})
    assert r.status_code == 403 and r.json()["code"] == "key_revoked"
    assert owner.get(f"/console/api/accounts/{account_id}").status_code == 404
    listed = console.client.get("/admin/v1/accounts", headers=ADMIN).json()["accounts"]
    assert listed == []


def test_account_routes_need_the_operator_token(console: Console) -> None:
    r = console.client.post("/admin/v1/accounts", json={"name": "Shop", "owner": "a@shop.example"})
    assert r.status_code == 401
    bad = console.client.post(
        "/admin/v1/accounts", json={"name": "", "owner": "not an address"}, headers=ADMIN
    )
    assert bad.status_code == 422


def test_the_invitation_email_reaches_a_real_smtp_server(data_dir: Path, smtp: SmtpServer) -> None:
    settings = replace(
        console_settings(data_dir, public_url="https://gw.example"),
        smtp_url=Secret(smtp.url()),
        mail_from="Widget Gateway <gateway@gw.example>",
    )
    with open_console(settings) as console:
        r = console.client.post(
            "/admin/v1/accounts",
            json={"name": "Shop", "owner": "alice@shop.example"},
            headers=ADMIN,
        )
        assert r.status_code == 201
        link = r.json()["invitation_url"]
        received = poll(lambda: smtp.handler.received, within=10)
        message = received[0].message()
        assert received[0].rcpt_tos == ("alice@shop.example",)
        assert "Invitation to Shop" in message["Subject"]
        body = message.get_body(("plain",))
        assert body is not None and link in body.get_content()
        assert link.startswith("https://gw.example/console/#invitation=")
        browser = console.browser()
        accepted = browser.post(
            "/console/api/invitations/accept", json={"token": token_of(link), "password": PASSWORD}
        )
        assert accepted.status_code == 201


def test_a_password_reset_mail_link_sets_a_new_password(data_dir: Path, smtp: SmtpServer) -> None:
    settings = replace(
        console_settings(data_dir),
        smtp_url=Secret(smtp.url()),
        mail_from="gateway@gw.example",
    )
    with open_console(settings) as console:
        _, owner = console.owner_of("Shop", "alice@shop.example")
        smtp.handler.received.clear()
        r = console.browser().post(
            "/console/api/password-reset", json={"email": "alice@shop.example"}
        )
        assert r.status_code == 202
        received = poll(lambda: smtp.handler.received, within=10)
        text = received[0].message().get_body(("plain",)).get_content()  # type: ignore[union-attr]
        link = next(line for line in text.splitlines() if "#reset=" in line)
        done = console.browser().post(
            "/console/api/password-reset/complete",
            json={"token": token_of(link), "password": "a fresh new passphrase"},
        )
        assert done.status_code == 204
        assert owner.get("/console/api/me").status_code == 401  # every session ended
        assert (
            console.browser().sign_in("alice@shop.example", "a fresh new passphrase").status_code
            == 200
        )
        reuse = console.browser().post(
            "/console/api/password-reset/complete",
            json={"token": token_of(link), "password": "yet another passphrase"},
        )
        assert reuse.json()["code"] == "link_invalid"
