"""Every console API route, walked as owner, admin, viewer, another account's member, anonymous.

A viewer reads but cannot change; an admin changes keys but not members; a member of another
account gets 404 for everything of this one, as if it did not exist; anonymous gets 401.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import pytest

from gateway.agents import documents
from gateway.records import agents
from gateway.records import documents as records_documents
from gateway.records.agents import StoredDocument
from gateway.scanner.store import ScanReportStore
from tests.accounts.helpers import ADMIN, Browser, Console, console_settings, open_console
from tests.scanner.samples import leaky_report
from tests.support.records import T0, consent, new, rights

ACTORS = ("owner", "admin", "viewer", "outsider", "anonymous")
SITE = "https://shop.example"


@dataclass
class World:
    console: Console
    account: str
    other_account: str
    people: dict[str, Browser]
    spare: str  # a viewer that member routes act on
    requests: int = 0

    def request(self) -> str:
        """A new rights request of this account in the records store; its reference."""
        self.requests += 1
        made = rights(self.requests, account=self.account, reference=f"RR-ROLE-{self.requests:04d}")
        records = self.console.services.records
        assert records is not None
        self.console.client.portal.call(records.add_rights, [made])  # type: ignore[union-attr]
        return made.reference

    def agent_request(self) -> str:
        """A request of this account filed by an agent, with its authorisation; its reference."""
        self.requests += 1
        made = rights(self.requests, account=self.account, reference=f"RR-ROLE-{self.requests:04d}")
        by_agent = replace(
            made.submission,
            requester_type="agent",
            agent_name="Ann",
            agent_email="ann@agent.example",
        )
        made = replace(made, submission=by_agent, email_verified=False)
        services = self.console.services
        desk = services.agents
        assert services.records is not None and desk is not None
        self.console.client.portal.call(services.records.add_rights, [made])  # type: ignore[union-attr]
        document = documents.accept(b"%PDF-1.7\n%signed\n", 1024)
        sealed = StoredDocument(
            documents.seal(desk.sealer, made.reference, document), document.media_type, 18
        )
        call = self.console.client.portal.call  # type: ignore[union-attr]
        assert call(agents.put_document, services.records, made.reference, sealed, T0)
        return made.reference

    def document(self) -> tuple[str, str]:
        """A request of this account with a document from the requester; both their ids."""
        reference = self.request()
        records = self.console.services.records
        assert records is not None
        added = self.console.client.portal.call(  # type: ignore[union-attr]
            partial(
                records_documents.add,
                records,
                reference,
                sender=records_documents.REQUESTER,
                filename="id.pdf",
                data=b"%PDF-1.7\n%passport\n",
                max_bytes=1024,
                max_count=5,
            )
        )
        return reference, added.id

    def consent(self) -> str:
        """A consent record of this account in the records store; its consent id."""
        made = consent(901, account=self.account, consent_id="visitor-role-1")
        records = self.console.services.records
        assert records is not None
        self.console.client.portal.call(records.add_consents, [new(made)])  # type: ignore[union-attr]
        return made.consent_id

    def key(self, account: str | None = None) -> str:
        r = self.console.client.post(
            "/admin/v1/keys",
            json={"account": account or self.account, "name": "Site", "origins": [SITE]},
            headers=ADMIN,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["public_key"])

    def endpoint(self) -> tuple[str, str]:
        """A webhook endpoint of the account, and a delivery to it still pending."""
        hooks = self.console.services.webhooks
        assert hooks is not None

        async def make() -> tuple[str, str]:
            made = await hooks.store.create(
                self.account, "https://h.example/", ["key.exposed"], "", True
            )
            sent = await hooks.store.send_test(self.account, made.id)
            return made.id, sent.id

        return self.console.client.portal.call(make)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with open_console(console_settings(tmp_path_factory.mktemp("roles"))) as console:
        account, owner = console.owner_of("Shop", "owner@shop.example")
        admin = console.join(console.invite(account, "admin@shop.example", "admin"))
        viewer = console.join(console.invite(account, "viewer@shop.example", "viewer"))
        spare = console.join(console.invite(account, "spare@shop.example", "viewer"))
        other_account, outsider = console.owner_of("Other", "owner@other.example")
        people = {
            "owner": owner,
            "admin": admin,
            "viewer": viewer,
            "outsider": outsider,
            "anonymous": console.browser(),
        }
        yield World(console, account, other_account, people, spare.person_id)


Request = Callable[[World], tuple[str, str, dict[str, Any] | None]]


def fixed(method: str, path: str, body: dict[str, Any] | None = None) -> Request:
    return lambda w: (method, path.format(a=w.account, p=w.spare), body)


def on_new_key(method: str, suffix: str, body: dict[str, Any] | None = None) -> Request:
    return lambda w: (method, f"/console/api/accounts/{w.account}/keys/{w.key()}{suffix}", body)


def on_scanned_key(w: World) -> tuple[str, str, dict[str, Any] | None]:
    """A new key with a scan report stored for it, as ``scan --key`` stores one."""
    public_key = w.key()
    records = w.console.services.records
    assert records is not None
    store = ScanReportStore(records.engine)
    w.console.client.portal.call(store.save, public_key, w.account, leaky_report(public_key))  # type: ignore[union-attr]
    return "GET", f"/console/api/accounts/{w.account}/keys/{public_key}/scan", None


def on_endpoint(method: str, suffix: str) -> Request:
    def make(w: World) -> tuple[str, str, dict[str, Any] | None]:
        endpoint, delivery = w.endpoint()
        rest = suffix.format(delivery=delivery)
        return method, f"/console/api/accounts/{w.account}/webhooks/{endpoint}{rest}", None

    return make


def fresh_member(w: World) -> tuple[str, str, dict[str, Any] | None]:
    token = w.console.invite(w.account, "leaving@shop.example", "viewer")
    leaving = w.console.join(token)
    return "DELETE", f"/console/api/accounts/{w.account}/members/{leaving.person_id}", None


def on_new_request(method: str, suffix: str, body: dict[str, Any] | None = None) -> Request:
    return lambda w: (
        method,
        f"/console/api/accounts/{w.account}/rights-requests/{w.request()}{suffix}",
        body,
    )


def on_agent_request(w: World) -> tuple[str, str, dict[str, Any] | None]:
    return (
        "GET",
        f"/console/api/accounts/{w.account}/rights-requests/{w.agent_request()}/authorization",
        None,
    )


def on_document(w: World) -> tuple[str, str, dict[str, Any] | None]:
    reference, document = w.document()
    path = f"/console/api/accounts/{w.account}/rights-requests/{reference}/documents/{document}"
    return "GET", path, None


def on_consent(w: World) -> tuple[str, str, dict[str, Any] | None]:
    return "GET", f"/console/api/accounts/{w.account}/consents/{w.consent()}", None


A = "/console/api/accounts/{a}"
NEW_KEY = {"name": "New", "origins": [SITE], "redirect_uris": [SITE + "/done"]}
#                 owner admin viewer outsider anonymous
READ = (200, 200, 200, 404, 401)
KEY_CHANGE = (200, 200, 403, 404, 401)
OWNER_ONLY = (200, 403, 403, 404, 401)
SIGNED_IN = (200, 200, 200, 200, 401)
CASES: list[tuple[str, Request, tuple[int, ...]]] = [
    ("me", fixed("GET", "/console/api/me"), SIGNED_IN),
    ("sessions", fixed("GET", "/console/api/me/sessions"), SIGNED_IN),
    ("accounts", fixed("GET", "/console/api/accounts"), SIGNED_IN),
    ("account", fixed("GET", A), READ),
    ("account-update", fixed("PATCH", A, {"name": "Shop"}), OWNER_ONLY),
    ("members", fixed("GET", A + "/members"), READ),
    (
        "member-invite",
        fixed("POST", A + "/members", {"email": "new@shop.example", "role": "viewer"}),
        (202, 403, 403, 404, 401),
    ),
    ("member-role", fixed("PATCH", A + "/members/{p}", {"role": "viewer"}), OWNER_ONLY),
    ("member-remove", fresh_member, (204, 403, 403, 404, 401)),
    ("keys", fixed("GET", A + "/keys"), READ),
    ("key-create", fixed("POST", A + "/keys", NEW_KEY), (201, 201, 403, 404, 401)),
    ("key-show", on_new_key("GET", ""), READ),
    ("key-update", on_new_key("PATCH", "", {"name": "Renamed"}), KEY_CHANGE),
    ("key-roll", on_new_key("POST", "/roll", {"grace_seconds": 60}), KEY_CHANGE),
    ("key-revoke", on_new_key("POST", "/revoke"), KEY_CHANGE),
    ("key-audit", on_new_key("GET", "/audit"), READ),
    ("key-scan", on_scanned_key, READ),
    ("key-preview", on_new_key("POST", "/preview", {"consent_config": None}), READ),
    ("widget-defaults", fixed("GET", "/console/api/widget-defaults?lang=fr"), SIGNED_IN),
    ("rights", fixed("GET", A + "/rights-requests"), READ),
    ("rights-show", on_new_request("GET", ""), READ),
    ("rights-act", on_new_request("POST", "/messages", {"body": "Which account?"}), KEY_CHANGE),
    ("rights-authorization", on_agent_request, READ),
    ("rights-documents", on_new_request("GET", "/documents"), READ),
    # No file in the body: refused as empty, past the role check.
    ("rights-document-add", on_new_request("POST", "/documents"), (415, 415, 403, 404, 401)),
    ("rights-document", on_document, READ),
    ("webhooks", fixed("GET", A + "/webhooks"), READ),
    ("consents", fixed("GET", A + "/consents"), READ),
    ("consents-export", fixed("GET", A + "/consents/export"), READ),
    ("consents-stats", fixed("GET", A + "/consents/stats"), READ),
    ("consent-proof", on_consent, READ),
    ("retention", fixed("GET", A + "/retention"), READ),
    (
        "retention-set",
        fixed("PUT", A + "/retention", {"consent_months": 13, "rights_days": 365}),
        KEY_CHANGE,
    ),
    ("webhook-test", on_endpoint("POST", "/test"), (202, 202, 403, 404, 401)),
    # The delivery is still pending: replaying it is a conflict, past the role check.
    (
        "webhook-replay",
        on_endpoint("POST", "/deliveries/{delivery}/replay"),
        (409, 409, 403, 404, 401),
    ),
]


@pytest.mark.parametrize(
    ("route", "actor", "expected"),
    [(name, actor, want[i]) for name, _, want in CASES for i, actor in enumerate(ACTORS)],
    ids=[f"{name}-{actor}" for name, _, _ in CASES for actor in ACTORS],
)
def test_every_route_as_every_role(world: World, route: str, actor: str, expected: int) -> None:
    make = next(request for name, request, _ in CASES if name == route)
    if route == "member-remove" and expected != 204:
        method, path, body = "DELETE", f"{A.format(a=world.account)}/members/{world.spare}", None
    else:
        method, path, body = make(world)
    r = world.people[actor].request(method, path, json=body)
    assert r.status_code == expected, r.text
    if expected == 404:
        assert r.json()["code"] == "account_not_found"
    if expected == 403:
        assert r.json()["code"] == "role_too_low"


def test_every_console_route_is_in_the_table(world: World) -> None:
    from gateway.console.api import routes

    walked = {"/console/api/accounts/{account}" + p for p in ("", "/members", "/keys")}
    anonymous = {"sign-in", "sign-out", "invitations", "password-reset", "sso"}
    for route in routes():
        if not route.path.startswith("/console/api/"):
            continue  # single sign-on's pages: tests/accounts/test_sso.py
        rest = route.path.removeprefix("/console/api/")
        if rest.split("/")[0] in anonymous or rest.startswith("me/"):
            continue  # the person's own routes: tests of sign-in, sessions and two-factor
        walked.add(route.path)
    table = {
        make(world)[1]
        .split("?")[0]
        .replace(world.account, "{account}")
        .replace(world.spare, "{person}")
        for _, make, _ in CASES
        if make is not fresh_member
    }
    placeholders = {
        "pk_": "{public_key}",
        "ep_": "{endpoint_id}",
        "dlv_": "{delivery_id}",
        "RR-": "{reference}",
        "visitor-": "{consent_id}",
    }

    def general(part: str) -> str:
        if part == "messages":
            return "{action}"
        if len(part) == 32 and all(c in "0123456789abcdef" for c in part):
            return "{document}"  # a document's id
        return next((v for k, v in placeholders.items() if part.startswith(k)), part)

    normalised = {"/".join(general(part) for part in p.split("/")) for p in table}
    assert walked - normalised - {"/console/api/accounts/{account}/members/{person}"} == set()


def test_a_key_of_another_account_is_not_found_through_ones_own(world: World) -> None:
    pk = world.key()
    outsider = world.people["outsider"]
    r = outsider.get(f"/console/api/accounts/{world.other_account}/keys/{pk}")
    assert r.status_code == 404 and r.json()["code"] == "key_not_found"
    r = outsider.post(f"/console/api/accounts/{world.other_account}/keys/{pk}/revoke")
    assert r.status_code == 404
    assert (
        world.people["owner"]
        .get(f"/console/api/accounts/{world.account}/keys/{pk}")
        .json()["status"]
        == "active"
    )


def test_the_last_owner_cannot_leave_or_be_demoted(world: World) -> None:
    owner = world.people["owner"]
    me = owner.get("/console/api/me").json()["id"]
    path = f"/console/api/accounts/{world.account}/members/{me}"
    assert owner.request("PATCH", path, json={"role": "admin"}).json()["code"] == "last_owner"
    assert owner.request("DELETE", path).status_code == 409


def test_key_changes_in_the_audit_trail_name_the_person(world: World) -> None:
    owner = world.people["owner"]
    pk = world.key()
    owner.request("PATCH", f"/console/api/accounts/{world.account}/keys/{pk}", json={"name": "X"})
    events = owner.get(f"/console/api/accounts/{world.account}/keys/{pk}/audit").json()["events"]
    me = owner.get("/console/api/me").json()["id"]
    assert [(e["action"], e["actor"]) for e in events] == [
        ("created", "admin"),
        ("updated", f"person:{me}"),
    ]


def test_a_keys_last_scan_is_shown_to_its_account_only(world: World) -> None:
    owner, outsider = world.people["owner"], world.people["outsider"]
    _, path, _ = on_scanned_key(world)
    shown = owner.get(path)
    assert shown.status_code == 200
    body = shown.json()
    assert (body["site"], body["clean"], body["scanned_at"]) == (
        "https://shop.example",
        False,
        "2027-01-15T08:00:00Z",
    )
    assert [i["name"] for i in body["report"]["fires_before_consent"]] == ["_ga"]
    # Never scanned: not found, said as such.
    never = world.key()
    r = owner.get(f"/console/api/accounts/{world.account}/keys/{never}/scan")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    # Another account's key, through one's own account: as if it did not exist.
    theirs = world.key(world.other_account)
    mine = path.split("/keys/")[1].removesuffix("/scan")
    r = outsider.get(f"/console/api/accounts/{world.other_account}/keys/{mine}/scan")
    assert (r.status_code, r.json()["code"]) == (404, "key_not_found")
    r = outsider.get(f"/console/api/accounts/{world.other_account}/keys/{theirs}/scan")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
