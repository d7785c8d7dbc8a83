"""The requester's space through its API, on a real store and a real SMTP server on loopback:
opened with the e-mailed link plus a code, a session cookie guarded against CSRF, the request's
due date and history, messages and documents both ways (type read from content, sealed at
rest), the e-mails, and the 60 days after closure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from gateway import locales
from gateway.records import casework, documents, retention
from gateway.records.tables import rights_documents, rights_space_sessions
from tests.portal.conftest import CODE, OWNER, Shop, code_in, make_shop, open_shop, text_of
from tests.support.smtp import Received, SmtpServer
from tests.support.wait import poll

T0 = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
ADA = "ada@example.com"
SPACE = "/portal/api/space"
COOKIE = "__Host-wg_space"
SPACE_LINK = re.compile(r"^(https://gw\.example/portal/#space=(\S+))\r?$", re.M)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(13) + b"secret-pixels"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\nthe requester's passport"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)


@pytest.fixture
def sqlite_shop(data_dir: Path, tmp_path: Path, smtp: SmtpServer) -> Iterator[Shop]:
    with open_shop(data_dir, f"sqlite:///{tmp_path / 'records.db'}", smtp) as client:
        yield make_shop(client, smtp)


def confirm(shop: Shop, email: str = ADA) -> str:
    """File a request and confirm it with the mailed code; its reference."""
    seen = len(shop.mails_to(email))
    reference = str(shop.file(email)["reference"])
    code = code_in(shop.next_mail(email, seen))
    done = shop.post("/rights/verify", {"reference": reference, "code": code})
    assert done.status_code == 200, done.text
    return reference


def space_link(shop: Shop, email: str = ADA) -> tuple[Received, str]:
    """The newest e-mail with a space link (once one arrives) and the link's token."""

    def newest() -> tuple[Received, str] | None:
        for mail in reversed(shop.mails_to(email)):
            found = SPACE_LINK.search(text_of(mail))
            if found:
                return mail, found.group(2)
        return None

    return poll(newest, within=10)


def wait_mails(shop: Shop, email: str, count: int) -> list[Received]:
    shop.next_mail(email, count - 1)
    return shop.mails_to(email)


def open_space(shop: Shop, token: str, email: str = ADA) -> dict[str, Any]:
    """Ask for a code, read it from the e-mail, open a session; the view (cookie kept)."""
    seen = len(shop.mails_to(email))
    assert shop.client.post(SPACE + "/code", json={"token": token}).status_code == 202
    # The owner's actions just before may still be mailing (status, message): the code's
    # e-mail is the one that carries a code.
    with_code = poll(
        lambda: [m for m in shop.mails_to(email)[seen:] if CODE.search(text_of(m))], within=10
    )
    code = code_in(with_code[0])
    opened = shop.client.post(SPACE + "/session", json={"token": token, "code": code})
    assert opened.status_code == 200, opened.text
    shop.client.cookies.clear()
    shop.client.cookies.set(COOKIE, opened.cookies[COOKIE])
    return dict(opened.json()) | {"cookie": opened.cookies[COOKIE]}


def csrf(view: dict[str, Any]) -> dict[str, str]:
    return {"X-CSRF-Token": view["csrf_token"]}


def test_link_and_code_open_the_space_with_the_due_date_and_nothing_internal(
    sqlite_shop: Shop,
) -> None:
    shop = sqlite_shop
    shop.at(T0)
    reference = confirm(shop)
    mail, token = space_link(shop)
    assert reference in mail.message()["Subject"]
    assert "2027-02-28" in text_of(mail)  # GDPR, confirmed on 31 January: 28 February

    looked = shop.client.post(SPACE + "/link", json={"token": token})
    assert looked.status_code == 200 and looked.json()["reference"] == reference
    assert looked.json()["texts"]["space.open.send"] == "Send me a code"
    view = open_space(shop, token)
    assert view["reference"] == reference and view["due_at"] == "2027-02-28"
    assert view["status"] == "received" and view["law"] == "gdpr"
    assert "email" not in view and "identity" not in view
    assert [e["kind"] for e in view["history"]] == ["received", "verified"]
    again = shop.client.get(SPACE)
    assert again.status_code == 200 and again.json()["reference"] == reference
    assert again.headers["cache-control"] == "no-store"


def problem(answer: Any) -> tuple[int, str]:
    return answer.status_code, answer.json()["code"]


def test_unknown_altered_and_closed_too_long_links_get_one_answer(sqlite_shop: Shop) -> None:
    shop = sqlite_shop
    shop.at(T0)
    reference = confirm(shop)
    _, token = space_link(shop)
    unverified = shop.file("grace@example.com")["reference"]
    space = shop.services.space
    cases = {
        "unknown": space.links.dumps("RR-AAAA-AAAA"),
        "altered": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "verify link": shop.services.verifier.link(reference).split("#verify=")[1],
        "unverified": space.links.dumps(unverified),
        "not a token": "x" * 300,
    }
    answers = {
        name: shop.client.post(SPACE + "/link", json={"token": value})
        for name, value in cases.items()
    }
    assert {name: problem(a) for name, a in answers.items()} == dict.fromkeys(
        cases, (404, "space_unavailable")
    )
    assert len({a.json()["detail"] for a in answers.values()}) == 1
    for name, value in cases.items():
        sent = shop.client.post(SPACE + "/code", json={"token": value})
        assert problem(sent) == (404, "space_unavailable"), name

    # Closed: the space stays open 60 days, then answers as an unknown link.
    view = open_space(shop, token)
    shop.call(partial(shop.services.records.change_status, reference, "refused", actor="owner"))
    closed = shop.client.get(SPACE).json()
    assert closed["closed"] and closed["open_until"] == "2027-04-01"
    assert view["reference"] == reference
    shop.at(T0 + timedelta(days=59, hours=23))
    assert open_space(shop, token)["status"] == "refused"
    shop.at(T0 + timedelta(days=60, minutes=1))
    late = shop.client.post(SPACE + "/link", json={"token": token})
    assert problem(late) == (404, "space_unavailable")
    assert late.json()["detail"] == answers["unknown"].json()["detail"]


def test_the_code_expires_and_allows_five_tries_resends_throttled(sqlite_shop: Shop) -> None:
    shop = sqlite_shop
    shop.at(T0)
    confirm(shop)
    _, token = space_link(shop)
    seen = len(shop.mails_to(ADA))
    assert shop.client.post(SPACE + "/code", json={"token": token}).status_code == 202
    code = code_in(shop.next_mail(ADA, seen))
    soon = shop.client.post(SPACE + "/code", json={"token": token})
    assert problem(soon) == (429, "resend_too_soon")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        tried = shop.client.post(SPACE + "/session", json={"token": token, "code": wrong})
        assert problem(tried) == (422, "verification_failed")
    used_up = shop.client.post(SPACE + "/session", json={"token": token, "code": code})
    assert problem(used_up) == (422, "verification_failed")
    # A new code, ten minutes and one second later, has expired too.
    shop.at(T0 + timedelta(minutes=2))
    assert shop.client.post(SPACE + "/code", json={"token": token}).status_code == 202
    fresh = code_in(shop.next_mail(ADA, seen + 1))
    shop.at(T0 + timedelta(minutes=12, seconds=1))
    late = shop.client.post(SPACE + "/session", json={"token": token, "code": fresh})
    assert problem(late) == (422, "verification_failed")


def test_the_session_cookie_csrf_idle_and_absolute_limits(sqlite_shop: Shop) -> None:
    shop = sqlite_shop
    shop.at(T0)
    confirm(shop)
    _, token = space_link(shop)
    seen = len(shop.mails_to(ADA))
    shop.client.post(SPACE + "/code", json={"token": token})
    code = code_in(shop.next_mail(ADA, seen))
    opened = shop.client.post(SPACE + "/session", json={"token": token, "code": code})
    cookie = opened.headers["set-cookie"]
    assert cookie.startswith(COOKIE + "=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "path=/", "samesite=strict"} <= flags
    assert not any(f.startswith(("domain", "max-age", "expires")) for f in flags)
    # Only the hash of the cookie's token is kept.
    rows = shop.call(_rows, shop, rights_space_sessions)
    assert len(rows) == 1 and opened.cookies[COOKIE] not in json.dumps([str(v) for v in rows[0]])
    shop.client.cookies.clear()
    shop.client.cookies.set(COOKIE, opened.cookies[COOKIE])
    view = opened.json()

    no_token = shop.client.post(SPACE + "/messages", json={"body": "hello"})
    assert problem(no_token) == (403, "csrf_failed")
    elsewhere = shop.client.post(
        SPACE + "/messages",
        json={"body": "hello"},
        headers={**csrf(view), "Origin": "https://evil.example"},
    )
    assert problem(elsewhere) == (403, "csrf_failed")
    cross = shop.client.post(
        SPACE + "/documents", content=PDF, headers={"Sec-Fetch-Site": "cross-site", **csrf(view)}
    )
    assert problem(cross) == (403, "csrf_failed")
    sent = shop.client.post(SPACE + "/messages", json={"body": "hello"}, headers=csrf(view))
    assert sent.status_code == 201

    # Idle for 29 minutes: still open (and the clock restarts); 31 more: ended.
    shop.at(T0 + timedelta(minutes=29))
    assert shop.client.get(SPACE).status_code == 200
    shop.at(T0 + timedelta(minutes=29 + 31))
    assert problem(shop.client.get(SPACE)) == (401, "space_session_required")
    # Absolute: twelve hours after opening, however busy.
    view = open_space(shop, token)
    start = T0 + timedelta(minutes=61)
    for minutes in range(25, 12 * 60, 25):
        shop.at(start + timedelta(minutes=minutes))
        assert shop.client.get(SPACE).status_code == 200
    shop.at(start + timedelta(hours=12, minutes=1))
    assert problem(shop.client.get(SPACE)) == (401, "space_session_required")
    # Sign-out ends it on the server, not only in the browser.
    view = open_space(shop, token)
    assert shop.client.post(SPACE + "/signout", headers=csrf(view)).status_code == 204
    shop.client.cookies.clear()
    shop.client.cookies.set(COOKIE, view["cookie"])
    assert problem(shop.client.get(SPACE)) == (401, "space_session_required")


async def _rows(shop: Shop, table: Any) -> list[tuple[object, ...]]:
    async with shop.services.records.reading() as conn:
        return [tuple(r) for r in await conn.execute(select(table))]


def test_plain_http_public_url_uses_a_path_scoped_cookie(
    data_dir: Path, tmp_path: Path, smtp: SmtpServer
) -> None:
    from gateway.portal.space_api import cookie_name

    assert cookie_name("http://127.0.0.1:8080") == ("wg_space", "/portal", False)
    assert cookie_name("https://gw.example") == ("__Host-wg_space", "/", True)


def test_a_reply_resumes_a_paused_clock_and_each_mail_goes_once_without_the_message(
    database_url: str, data_dir: Path, smtp: SmtpServer
) -> None:
    with open_shop(data_dir, database_url, smtp) as client:
        shop = make_shop(client, smtp)
        shop.at(T0)
        reference = confirm(shop)
        confirmation, token = space_link(shop)
        view = open_space(shop, token)
        records = shop.services.records
        owner = "person:owner"
        shop.call(partial(records.change_status, reference, "verified", actor=owner, note="ID ok"))
        ask = partial(casework.add_message, records, reference, author=owner, body="Which? s3cr3t")
        shop.call(ask)
        shop.call(partial(casework.pause, records, reference, actor=owner, note="internal: wait"))
        shop.at(T0 + timedelta(days=5))
        view = paused = open_space(shop, token)
        assert paused["paused"] and paused["due_at"] == "2027-03-05"  # the pause counts so far

        replied = shop.client.post(
            SPACE + "/messages", json={"body": "The one with ada@"}, headers=csrf(view)
        )
        assert replied.status_code == 201, replied.text
        after = replied.json()
        assert not after["paused"] and after["due_at"] == "2027-03-05"
        owner_view = shop.call(records.get_rights, reference)
        assert not owner_view.paused and owner_view.due_at.isoformat() == "2027-03-05"
        assert [(m["from"], m["body"]) for m in after["messages"]] == [
            ("owner", "Which? s3cr3t"),
            ("requester", "The one with ada@"),
        ]
        kinds = [e["kind"] for e in after["history"]]
        assert kinds == ["received", "verified", "status", "message", "pause", "message", "resume"]
        assert "ID ok" not in json.dumps(after) and "internal" not in json.dumps(after)
        history = shop.call(records.rights_history, reference)
        assert history[-1].kind == "resume" and history[-1].actor == "requester"

        shop.call(partial(records.change_status, reference, "in_progress", actor=owner))
        shop.call(partial(records.change_status, reference, "completed", actor=owner))
        # code (verify), confirmation, code, status (verified), message, code, status (in
        # progress), closure
        mails = [m for m in wait_mails(shop, ADA, 8)[1:] if "code" not in m.message()["Subject"]]
        subjects = [m.message()["Subject"] for m in mails]
        assert subjects[0] == confirmation.message()["Subject"]
        assert subjects[1:] == [
            f"Your privacy request {reference}: Identity checked",
            f"A message about your privacy request {reference}",
            f"Your privacy request {reference}: In progress",
            f"Your privacy request {reference} is closed: completed",
        ]
        for mail in mails:
            text = text_of(mail)
            html = mail.message().get_body(("html",)).get_content()  # type: ignore[union-attr]
            assert reference in text and "shop.example" in text
            link = SPACE_LINK.search(text)
            assert link and link.group(1) in html
            assert shop.services.space.links.loads(link.group(2)) == reference
            assert "s3cr3t" not in text + html and "ada@" not in text.replace(ADA, "")
        assert "60 days" in text_of(mails[-1])
        assert shop.mails_to(OWNER)  # the owner's own notice is unaffected


@pytest.fixture
def small_shop(data_dir: Path, database_url: str, smtp: SmtpServer) -> Iterator[Shop]:
    """Small limits on documents and messages, to reach them; on SQLite and PostgreSQL."""
    with open_shop(
        data_dir,
        database_url,
        smtp,
        space_document_max_bytes=4096,
        space_documents_per_request=3,
        limit_space_messages_per_ip="6/hour",
    ) as client:
        yield make_shop(client, smtp)


def upload(shop: Shop, view: dict[str, Any], name: str, data: bytes) -> Any:
    headers = {**csrf(view), "X-Filename": quote(name), "Content-Type": "application/octet-stream"}
    return shop.client.post(SPACE + "/documents", content=data, headers=headers)


def test_documents_typed_by_content_sealed_and_downloaded_both_ways(small_shop: Shop) -> None:
    shop = small_shop
    shop.at(T0)
    reference = confirm(shop)
    _, token = space_link(shop)
    view = open_space(shop, token)

    png = upload(shop, view, "../../passport scan\u202e.pdf", PNG)
    assert png.status_code == 201, png.text
    [doc] = png.json()["documents"]
    assert doc["media_type"] == "image/png" and doc["from"] == "requester"
    assert doc["filename"] == "passport scan.pdf" and doc["size"] == len(PNG)
    exe = upload(shop, view, "invoice.pdf", EXE)
    assert problem(exe) == (415, "document_type_refused")
    big = upload(shop, view, "big.pdf", PDF + bytes(5000))
    assert problem(big) == (413, "document_too_large")
    shop.at(T0 + timedelta(seconds=1))
    text = upload(shop, view, "note.txt", "Grüße".encode())
    assert text.json()["documents"][1]["media_type"] == "text/plain"

    # Sealed at rest: the stored bytes are not the document's.
    rows = shop.call(_rows, shop, rights_documents)
    assert rows and all(b"secret-pixels" not in bytes(r[8]) for r in rows)

    # The owner's answer (the store function the console and the records API call).
    records = shop.services.records
    settings = shop.services.settings
    answer = partial(
        documents.add,
        records,
        reference,
        sender=documents.OWNER,
        filename="answer.pdf",
        data=PDF,
        max_bytes=settings.space_document_max_bytes,
        max_count=settings.space_documents_per_request,
        is_answer=True,
    )
    shop.at(T0 + timedelta(seconds=2))
    shop.call(answer)
    mine = shop.client.get(SPACE).json()
    assert [(d["from"], d["filename"]) for d in mine["documents"]] == [
        ("requester", "passport scan.pdf"),
        ("requester", "note.txt"),
        ("owner", "answer.pdf"),
    ]
    assert mine["answer"]["filename"] == "answer.pdf"
    too_many = upload(shop, view, "more.pdf", PDF)
    assert problem(too_many) == (409, "too_many_documents")
    # The owner sees the requester's documents, and opens them.
    owner_docs = shop.call(documents.listing, records, reference)
    assert [d.sender for d in owner_docs] == ["requester", "requester", "owner"]
    _, content = shop.call(documents.read, records, reference, owner_docs[0].id)
    assert content == PNG

    got = shop.client.get(f"{SPACE}/documents/{mine['answer']['id']}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith('attachment; filename="answer.pdf"')
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["cache-control"] == "no-store"
    # Another request's document id opens nothing here.
    assert shop.client.get(f"{SPACE}/documents/{'0' * 32}").status_code == 404
    shop.client.cookies.clear()
    assert shop.client.get(f"{SPACE}/documents/{mine['answer']['id']}").status_code == 401


def test_requester_messages_are_limited_in_number_and_length(small_shop: Shop) -> None:
    shop = small_shop
    shop.at(T0)
    confirm(shop)
    _, token = space_link(shop)
    view = open_space(shop, token)
    long = shop.client.post(
        SPACE + "/messages", json={"body": "x" * (casework.MAX_MESSAGE + 1)}, headers=csrf(view)
    )
    assert problem(long) == (422, "invalid_payload")
    sent = [
        shop.client.post(SPACE + "/messages", json={"body": f"#{n}"}, headers=csrf(view))
        for n in range(5)  # the refused long one counted too
    ]
    assert [a.status_code for a in sent] == [201] * 5
    assert problem(
        shop.client.post(SPACE + "/messages", json={"body": "again"}, headers=csrf(view))
    ) == (429, "rate_limited")


def test_anonymising_a_request_deletes_its_documents_and_closes_its_space(
    sqlite_shop: Shop,
) -> None:
    shop = sqlite_shop
    shop.at(T0)
    reference = confirm(shop)
    _, token = space_link(shop)
    view = open_space(shop, token)
    assert upload(shop, view, "id.pdf", PDF).status_code == 201
    records = shop.services.records
    shop.call(partial(records.change_status, reference, "refused", actor="owner"))
    shop.at(T0 + timedelta(days=400))
    report = shop.call(retention.purge, records)
    assert report.rights_anonymised == 1
    assert shop.call(_rows, shop, rights_documents) == []
    assert shop.call(_rows, shop, rights_space_sessions) == []
    assert problem(shop.client.post(SPACE + "/link", json={"token": token})) == (
        404,
        "space_unavailable",
    )


def test_a_german_request_gets_its_mails_and_its_space_in_german(sqlite_shop: Shop) -> None:
    shop = sqlite_shop
    shop.at(T0)
    german = locales.texts("requester", "de")
    reference = str(shop.file(ADA, language="de")["reference"])
    code_mail = shop.next_mail(ADA, 0)
    assert code_mail.message()["Subject"] == german["mail.code.subject"].format(reference=reference)
    done = shop.post("/rights/verify", {"reference": reference, "code": code_in(code_mail)})
    assert done.status_code == 200, done.text
    mail, token = space_link(shop)
    assert mail.message()["Subject"] == german["mail.confirmed.subject"].format(reference=reference)
    assert mail.message()["Content-Language"] == "de"

    looked = shop.client.post(SPACE + "/link", json={"token": token}).json()
    assert (looked["language"], looked["dir"]) == ("de", "ltr")
    assert looked["texts"]["space.open.send"] == german["space.open.send"]
    # The request's type reads as the form offered it.
    assert (
        looked["texts"]["space.type.gdpr_access"]
        == locales.texts("rights", "de")["type.gdpr_access"]
    )
