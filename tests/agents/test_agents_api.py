"""An authorised agent files a request for someone else: the agent's details are asked of agents
only, the authorisation's type is read from its content and kept sealed, the agent confirms
their address by the code and the data subject by the link mailed to them, and only then does
the request count. A subject who says "not me" flags the request for the owner, who downloads
the document from the site-owner API (and the console) as an attachment no browser renders."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from gateway import locales
from gateway.records import retention
from gateway.records.tables import rights_agents
from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.signing import Signing
from tests.gwclient import SITE
from tests.oauth.helpers import client_credentials
from tests.portal.conftest import OWNER, WIDGET, Shop, code_in, text_of

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
AGENT = "Ann@Agency.example"
SUBJECT = "bo@example.org"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
PERMISSION = re.compile(r"^https://gw\.example/permission/#permission=(\S+?)\r?$", re.M)


def by_agent(**fields: Any) -> dict[str, Any]:
    return {"requester_type": "agent", "agent_name": "Ann Agent", "agent_email": AGENT, **fields}


def upload(shop: Shop, answer: dict[str, Any], content: bytes) -> Any:
    body = {
        "reference": answer["reference"],
        "token": answer["document_token"],
        "content": base64.b64encode(content).decode(),
    }
    return shop.post("/rights/document", body)


def refused(shop: Shop, **fields: Any) -> dict[str, str]:
    serializer = Signing(shop.services.settings.signing_secrets()).serializer(PURPOSE)
    token = FormTokens(serializer, 0, 1).issue(shop.pk, shop.services.clock() - 10)
    body = {"type": "gdpr_access", "email": SUBJECT, "form_token": token, **fields}
    r = shop.client.post(f"/v1/{shop.pk}/rights", content=json.dumps(body), headers=WIDGET)
    assert r.status_code == 422, r.text
    return {e["field"]: e["code"] for e in r.json()["errors"]}


def permission_token(shop: Shop, seen: int = 0) -> str:
    found = PERMISSION.search(text_of(shop.next_mail(SUBJECT, seen)))
    assert found, "no link in the data subject's e-mail"
    return found.group(1)


def page(shop: Shop, path: str, body: dict[str, Any]) -> Any:
    return shop.client.post(f"/permission/api/{path}", json=body)


def api(shop: Shop, path: str, scope: str | None = None) -> Any:
    form = {} if scope is None else {"scope": scope}
    token = client_credentials(shop.client, shop.key, **form).json()["access_token"]
    return shop.client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def sealed_row(shop: Shop, reference: str) -> Any:
    async def read() -> Any:
        async with shop.services.records.reading() as conn:
            query = select(rights_agents).where(rights_agents.c.reference == reference)
            return (await conn.execute(query)).first()

    return shop.call(read)


def test_the_agents_fields_are_asked_of_agents_only(shop: Shop) -> None:
    assert refused(shop, requester_type="agent") == {
        "agent_name": "missing_field",
        "agent_email": "missing_field",
    }
    assert refused(shop, requester_type="self", agent_name="Ann") == {"agent_name": "unknown_field"}
    same = refused(shop, **by_agent(agent_email="BO@example.org"))
    assert same == {"agent_email": "conflicting_value"}
    assert refused(shop, **by_agent(agent_email="ann@")) == {"agent_email": "invalid_email"}
    config = shop.client.get(f"/v1/{shop.pk}/rights/config", headers={"Origin": SITE})
    assert config.json()["agent"] == {"document_max_bytes": 5_242_880}
    assert "agent.document" in config.json()["texts"]


def test_both_confirm_then_the_request_counts_and_the_owner_downloads_its_document(
    shop: Shop,
) -> None:
    shop.at(T0)
    answer = shop.file(SUBJECT, **by_agent())
    reference = answer["reference"]
    assert answer["verification"] == "pending" and answer["document_token"]

    # The document: a PNG named anything is kept as a PNG; once only.
    sent = upload(shop, answer, PNG)
    assert sent.status_code == 201, sent.text
    assert sent.json() == {"reference": reference, "media_type": "image/png"}
    again = upload(shop, answer, PDF)
    assert (again.status_code, again.json()["code"]) == (422, "document_token_invalid")
    row = sealed_row(shop, reference)
    assert row.document.startswith(b"gcm1:") and PNG[:8] not in row.document
    assert row.document_type == "image/png" and row.document_size == len(PNG)

    # The code goes to the agent, who sent the request; the subject hears nothing yet.
    code = code_in(shop.next_mail(AGENT, 0))
    assert shop.mails_to(SUBJECT) == []
    shop.at(T0 + timedelta(minutes=5))
    half = shop.post("/rights/verify", {"reference": reference, "code": code})
    assert half.status_code == 200, half.text
    assert half.json()["verified"] is False and half.json()["waiting_for"] == "data_subject"
    assert shop.post("/rights/verify", {"reference": reference, "code": code}).status_code == 422

    # The subject's e-mail names the agent, and its link shows the request on their page.
    mail = shop.next_mail(SUBJECT, 0)
    assert "Ann Agent" in mail.message()["Subject"] and "ann@agency.example" in text_of(mail)
    html = mail.message().get_body(("html",)).get_content()  # type: ignore[union-attr]
    token = permission_token(shop)
    assert token in html
    shown = page(shop, "request", {"token": token})
    assert shown.status_code == 200, shown.text
    assert shown.json()["agent"] == "Ann Agent" and shown.json()["reference"] == reference
    assert shown.headers["Content-Security-Policy"].startswith("default-src 'none'")
    listed = api(shop, f"/rights-requests/{reference}").json()
    assert listed["email_verified"] is False and listed["agent"]["subject"] == "waiting"

    shop.at(T0 + timedelta(days=3))
    yes = page(shop, "answer", {"token": token, "answer": "yes"})
    assert yes.status_code == 200, yes.text
    # The clock starts on the second confirmation: one month (GDPR) from 4 March.
    assert yes.json() == {
        "reference": reference,
        "answer": "yes",
        "verified": True,
        "respond_by": "2027-04-04",
    }
    # Answered: the link now answers exactly as a forged one does.
    used = page(shop, "answer", {"token": token, "answer": "no"})
    forged = page(shop, "request", {"token": token[:-2] + "xx"})
    assert used.status_code == forged.status_code == 422
    assert used.json() == forged.json()
    assert used.json()["code"] == "permission_link_invalid"

    shown = api(shop, f"/rights-requests/{reference}").json()
    assert shown["email_verified"] is True and shown["by_agent"] is True
    agent = shown["agent"]
    assert agent["name"] == "Ann Agent" and agent["email"] == "ann@agency.example"
    assert agent["subject"] == "confirmed" and agent["confirmed_at"]
    assert agent["document"]["media_type"] == "image/png"
    kinds = [e["kind"] for e in shown["history"]]
    assert kinds[-3:] == ["agent_verified", "subject_agreed", "verified"]
    assert poll_owner(shop)

    got = api(shop, f"/rights-requests/{reference}/authorization")
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"] == (
        f'attachment; filename="{reference}-authorisation.png"'
    )
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["cache-control"] == "no-store"
    narrow = api(shop, f"/rights-requests/{reference}/authorization", scope="consents:read")
    assert (narrow.status_code, narrow.json()["code"]) == (403, "insufficient_scope")
    paths = shop.client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/rights-requests/{reference}/authorization", "/permission/api/answer"):
        assert "get" in paths[path] or "post" in paths[path], path


def poll_owner(shop: Shop) -> bool:
    """The owners got their "new request" e-mail once both confirmed."""
    shop.next_mail(OWNER, 0)
    return True


def test_a_subject_who_says_not_me_flags_the_request_for_the_owner(shop: Shop) -> None:
    shop.at(T0)
    answer = shop.file(SUBJECT, **by_agent())
    reference = answer["reference"]
    code = code_in(shop.next_mail(AGENT, 0))
    assert shop.post("/rights/verify", {"reference": reference, "code": code}).status_code == 200
    no = page(shop, "answer", {"token": permission_token(shop), "answer": "no"})
    assert no.status_code == 200, no.text
    assert no.json()["verified"] is False

    listing = api(shop, "/rights-requests").json()["items"]
    mine = next(item for item in listing if item["reference"] == reference)
    assert mine["email_verified"] is False and mine["agent"]["subject"] == "denied"
    shown = api(shop, f"/rights-requests/{reference}").json()
    assert shown["history"][-1]["kind"] == "subject_denied"
    assert shown["history"][-1]["actor"] == "data_subject"
    # Never verified, it is not deleted with the unconfirmed ones: the owner decides.
    shop.at(T0 + timedelta(days=30))
    shop.call(shop.services.verifier.run_round)
    assert api(shop, f"/rights-requests/{reference}").status_code == 200
    # No document was sent: the owner's download says so.
    missing = api(shop, f"/rights-requests/{reference}/authorization")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [(EXE, 415, "document_type_refused"), (PDF + b"x" * 3000, 413, "document_too_large")],
    ids=["executable-named-pdf", "over-the-limit"],
)
def test_documents_are_refused_by_content_and_size(
    shop: Shop, content: bytes, status: int, code: str
) -> None:
    shop.at(T0)
    object.__setattr__(shop.services.settings, "agent_document_max_bytes", 2048)
    answer = shop.file(SUBJECT, **by_agent())
    r = upload(shop, answer, content)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert sealed_row(shop, answer["reference"]).document is None
    # Refused, the token still sends a proper one.
    assert upload(shop, answer, PDF).json()["media_type"] == "application/pdf"


def test_the_data_subjects_mail_is_held_to_the_per_address_limit(shop: Shop) -> None:
    shop.at(T0)
    object.__setattr__(shop.services.settings, "limit_verify_per_email", "1/hour")
    references = []
    for _ in range(2):
        answer = shop.file(SUBJECT, **by_agent(message=f"request {len(references)}"))
        references.append(answer["reference"])
    for n, reference in enumerate(references):
        code = code_in(shop.next_mail(AGENT, n))
        assert (
            shop.post("/rights/verify", {"reference": reference, "code": code}).status_code == 200
        )
    shop.next_mail(SUBJECT, 0)
    assert len(shop.mails_to(SUBJECT)) == 1  # the second waits for the limit's window


def test_retention_removes_the_document_with_the_requests_personal_data(shop: Shop) -> None:
    shop.at(T0)
    answer = shop.file(SUBJECT, **by_agent())
    reference = answer["reference"]
    assert upload(shop, answer, PDF).status_code == 201
    records = shop.services.records
    shop.call(partial(records.change_status, reference, "refused", actor="person:1"))
    shop.call(retention.set_rule, records, shop.key.key.account, retention.RetentionRule(1, 0))
    shop.at(T0 + timedelta(days=2))
    assert shop.call(retention.purge, records).rights_anonymised == 1
    row = sealed_row(shop, reference)
    assert row.document is None and row.document_type is None
    assert shop.call(records.get_rights, reference).identity == {}
    missing = api(shop, f"/rights-requests/{reference}/authorization")
    assert missing.status_code == 404


def test_an_agents_new_codes_count_against_the_agents_address(shop: Shop) -> None:
    shop.at(T0)
    object.__setattr__(shop.services.settings, "limit_verify_per_email", "1/hour")
    mine = shop.file(SUBJECT, **by_agent())["reference"]
    shop.at(T0 + timedelta(minutes=2))
    assert shop.post("/rights/verify/resend", {"reference": mine}).status_code == 202
    shop.next_mail(AGENT, 1)  # the new code, to the agent
    shop.at(T0 + timedelta(minutes=4))
    again = shop.post("/rights/verify/resend", {"reference": mine})
    assert (again.status_code, again.json()["code"]) == (429, "rate_limited")
    # The person's own request, from the subject's address, is not held by the agent's count.
    own = shop.file(SUBJECT, requester_type="self")["reference"]
    shop.at(T0 + timedelta(minutes=6))
    assert shop.post("/rights/verify/resend", {"reference": own}).status_code == 202


def agents_half(shop: Shop, language: str) -> tuple[str, Any]:
    """A request an agent filed in ``language``, their code entered: its reference and the
    e-mail the data subject then receives."""
    answer = shop.file(SUBJECT, language=language, **by_agent())
    code = code_in(shop.next_mail(AGENT, 0))
    done = shop.post("/rights/verify", {"reference": answer["reference"], "code": code})
    assert done.status_code == 200, done.text
    return answer["reference"], shop.next_mail(SUBJECT, 0)


def subject_mail_texts(mail: Any, language: str, direction: str) -> tuple[dict[str, str], str]:
    """The requester texts of ``language`` and the e-mail's HTML, once the data subject's
    e-mail is checked to carry its subject and, in its HTML, its language and direction."""
    texts = dict(locales.texts("requester", language))
    message = mail.message()
    assert message["Subject"] == texts["mail.agent.subject"].format(agent="Ann Agent")
    html = message.get_body(("html",)).get_content()
    assert f'<html lang="{language}" dir="{direction}">' in html
    return texts, html


def test_the_data_subjects_mail_and_page_are_in_the_requests_language(shop: Shop) -> None:
    shop.at(T0)
    reference, mail = agents_half(shop, "fr")
    french, _ = subject_mail_texts(mail, "fr", "ltr")
    body = " ".join(text_of(mail).split())
    intro = french["mail.agent.intro"].format(
        agent="Ann Agent", agent_email="ann@agency.example", site="shop.example"
    )
    assert intro in body and french["mail.agent.ask"] in body
    assert french["mail.reference"].format(reference=reference) in body
    token = permission_token(shop)

    # The page's texts: the request's language, whatever the browser says; no answer spent.
    for _ in range(3):
        got = page(shop, "texts", {"token": token})
    assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
    assert (got.json()["lang"], got.json()["dir"]) == ("fr", "ltr")
    assert got.json()["texts"]["permission.yes"] == french["permission.yes"]
    assert set(got.json()["texts"]) == {k for k in french if k.startswith("permission.")}
    browser = shop.client.post(
        "/permission/api/texts", json={"token": token}, headers={"Accept-Language": "de"}
    )
    assert browser.json()["lang"] == "fr"
    # A forged token reads like none: the browser's language, the same shape.
    forged = shop.client.post(
        "/permission/api/texts",
        json={"token": token[:-2] + "xx"},
        headers={"Accept-Language": "de-AT,fr;q=0.8"},
    )
    assert forged.status_code == 200 and set(forged.json()) == {"lang", "dir", "texts"}
    assert forged.json()["lang"] == "de"
    bare = page(shop, "texts", {})
    assert (bare.json()["lang"], bare.json()["dir"]) == ("en", "ltr")
    assert bare.json()["texts"]["permission.yes"] == "Yes, I gave permission"
    yes = page(shop, "answer", {"token": token, "answer": "yes"})
    assert yes.status_code == 200 and yes.json()["verified"] is True
    # Answered, the link still gives the page its language (it says the link is used).
    assert page(shop, "texts", {"token": token}).json()["lang"] == "fr"

    for content, status in (("{", 400), ('"token"', 422)):
        bad = shop.client.post(
            "/permission/api/texts", content=content, headers={"Content-Type": "application/json"}
        )
        assert bad.status_code == status, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
    assert shop.client.post("/permission/api/texts", content="{}").status_code == 415
    assert "post" in shop.client.get("/openapi.json").json()["paths"]["/permission/api/texts"]


def test_the_data_subjects_mail_in_arabic_reads_right_to_left(shop: Shop) -> None:
    shop.at(T0)
    reference, mail = agents_half(shop, "ar")
    arabic, html = subject_mail_texts(mail, "ar", "rtl")
    assert arabic["mail.agent.ask"] in " ".join(text_of(mail).split())
    assert reference in html


def test_the_permission_pages_texts_are_limited_per_ip_apart_from_its_answers(
    shop: Shop,
) -> None:
    shop.at(T0)
    object.__setattr__(shop.services.settings, "limit_verify_per_ip", "3/hour")
    _, _ = agents_half(shop, "en")
    token = permission_token(shop)
    answers = [page(shop, "texts", {"token": token}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert page(shop, "texts", {}).json()["code"] == "rate_limited"
    # The page's own calls count apart: loading its texts never uses up the answer.
    assert page(shop, "request", {"token": token}).status_code == 200
    assert page(shop, "answer", {"token": token, "answer": "yes"}).status_code == 200
