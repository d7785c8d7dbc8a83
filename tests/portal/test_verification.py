"""A requester confirms their address with the code mailed to them (or the e-mailed link): the
request stays ``unverified`` until then, apart in the owners' views, and its legal clock starts
on the day of confirmation. Codes are kept hashed, expire, allow a few tries, are re-sent
throttled, reminded once, and requests never confirmed are deleted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.datastructures import QueryParams

from gateway import locales
from gateway.errors import NotFound
from gateway.records.api.params import rights_filter
from gateway.records.deadlines import Deadline
from gateway.records.model import RightsFilter
from gateway.records.tables import rights_verifications
from tests.portal.conftest import (
    OWNER,
    WIDGET,
    Shop,
    code_in,
    link_in,
    make_shop,
    open_shop,
    text_of,
)
from tests.support.smtp import SmtpServer

T0 = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
ADA = "Ada@Example.com"


def test_the_code_confirms_the_request_and_starts_its_clock_that_day(shop: Shop) -> None:
    shop.at(T0)
    answer = shop.file(ADA)
    reference = answer["reference"]
    assert answer["verification"] == "pending"

    mail = shop.next_mail(ADA, 0)
    message = mail.message()
    assert reference in message["Subject"]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    first_code = code_in(mail)
    assert first_code in html and "shop.example" in text_of(mail)
    assert link_in(mail) in html
    # Kept as a keyed hash: the database alone does not give the code away.
    rows = shop.call(_verification_rows, shop)
    assert len(rows) == 1 and first_code not in json.dumps([str(v) for v in rows[0]])

    records = shop.services.records
    unverified = RightsFilter(account=shop.key.key.account, email_verified=False)
    assert [r.reference for r in shop.call(records.list_rights, unverified).items] == [reference]
    verified = RightsFilter(account=shop.key.key.account, email_verified=True)
    assert shop.call(records.list_rights, verified).items == ()
    assert shop.mails_to(OWNER) == []  # owners hear of it once it is confirmed

    # A wrong code, and an unknown reference, get the very same answer.
    wrong = shop.post("/rights/verify", {"reference": reference, "code": "000000"})
    unknown = shop.post("/rights/verify", {"reference": "RR-AAAA-AAAA", "code": first_code})
    assert wrong.status_code == unknown.status_code == 422
    assert wrong.json()["code"] == unknown.json()["code"] == "verification_failed"
    assert wrong.json()["detail"] == unknown.json()["detail"]

    # Two days later the first code has expired; a new one is asked for, and works.
    later = T0 + timedelta(days=2)
    shop.at(later)
    stale = shop.post("/rights/verify", {"reference": reference, "code": first_code})
    assert stale.json()["code"] == "verification_failed"
    assert shop.post("/rights/verify/resend", {"reference": reference}).status_code == 202
    again = shop.post("/rights/verify/resend", {"reference": reference})
    assert again.status_code == 429 and again.json()["code"] == "resend_too_soon"
    assert int(again.headers["retry-after"]) > 0
    new_code = code_in(shop.next_mail(ADA, 1))
    done = shop.post(
        "/rights/verify", {"reference": reference, "code": f"{new_code[:3]} {new_code[3:]}"}
    )
    assert done.status_code == 200, done.text
    # GDPR: one month from the day of confirmation (2 February), not from receipt (31 January).
    assert done.json()["respond_by"] == "2027-03-02"
    assert Deadline("gdpr", T0.date()).due(T0.date()).isoformat() == "2027-02-28"

    found = shop.call(records.get_rights, reference)
    assert found.email_verified and found.due_at.isoformat() == "2027-03-02"
    history = shop.call(records.rights_history, reference)
    assert [e.kind for e in history][-1] == "verified"
    assert shop.call(records.list_rights, unverified).items == ()
    owner = shop.next_mail(OWNER, 0)
    assert owner.message()["Subject"].startswith(f"New privacy request {reference}")
    # Confirmed once: the code does not work twice.
    twice = shop.post("/rights/verify", {"reference": reference, "code": new_code})
    assert twice.json()["code"] == "verification_failed"


async def _verification_rows(shop: Shop) -> list[tuple[object, ...]]:
    async with shop.services.records.reading() as conn:
        return [tuple(r) for r in await conn.execute(select(rights_verifications))]


def test_tries_run_out_the_link_confirms_and_the_unconfirmed_are_reminded_then_deleted(
    shop: Shop,
) -> None:
    shop.at(T0)
    reference = shop.file(ADA)["reference"]
    mail = shop.next_mail(ADA, 0)
    code = code_in(mail)
    for _ in range(5):
        assert (
            shop.post("/rights/verify", {"reference": reference, "code": "111111"}).status_code
            == 422
        )
    used_up = shop.post("/rights/verify", {"reference": reference, "code": code})
    assert used_up.json()["code"] == "verification_failed"

    # The link still confirms it (the page posts the token from the link's fragment).
    token = link_in(mail).split("#verify=", 1)[1]
    confirmed = shop.client.post("/portal/api/verify", json={"token": token})
    assert confirmed.status_code == 200 and confirmed.json()["reference"] == reference
    again = shop.client.post("/portal/api/verify", json={"token": token})
    forged = shop.client.post("/portal/api/verify", json={"token": token[:-2] + "xx"})
    assert again.status_code == forged.status_code == 422
    assert again.json()["code"] == forged.json()["code"] == "verification_failed"

    # Another one is never confirmed: reminded once after a day, deleted after seven.
    other = shop.file("grace@example.org")["reference"]
    shop.next_mail("grace@example.org", 0)
    jobs = shop.services.records_jobs
    counts = []
    for hours in (23, 25, 26, 7 * 24 + 1):
        shop.at(T0 + timedelta(hours=hours))
        counts.append(shop.call(jobs.run_round).requesters)
    assert counts == [0, 1, 0, 1]
    reminder = shop.next_mail("grace@example.org", 1)
    assert reminder.message()["Subject"].startswith("Reminder")
    assert code_in(reminder)
    records = shop.services.records
    try:
        shop.call(records.get_rights, other)
        raise AssertionError("the unconfirmed request was kept")
    except NotFound:
        pass
    assert shop.call(records.get_rights, reference).email_verified


def test_codes_are_limited_per_address_and_the_api_filters_on_verification(
    data_dir: Path, smtp: SmtpServer
) -> None:
    database = f"sqlite:///{data_dir / 'records.db'}"
    overrides = {"verify_resend_interval": 0.0, "limit_verify_per_email": "2/hour"}
    with open_shop(data_dir, database, smtp, **overrides) as client:
        shop = make_shop(client, smtp)
        reference = shop.file(ADA)["reference"]
        sent = [shop.post("/rights/verify/resend", {"reference": reference}) for _ in range(3)]
        assert [r.status_code for r in sent] == [202, 202, 429]
        assert sent[2].json()["code"] == "rate_limited"
        assert "ada" not in sent[2].text.lower()
        for r in sent:
            assert r.headers["access-control-allow-origin"] == WIDGET["Origin"]
    where = rights_filter(QueryParams("email_verified=false"), "acct-1")
    assert where.email_verified is False
    assert rights_filter(QueryParams(""), "acct-1").email_verified is None


def texts_of(shop: Shop, body: object, **headers: str) -> Any:
    return shop.client.post("/portal/api/verify/texts", json=body, headers=headers)


def test_the_link_pages_texts_are_in_the_requests_language_and_spend_no_try(shop: Shop) -> None:
    shop.at(T0)
    reference = shop.file(ADA, language="de")["reference"]
    mail = shop.next_mail(ADA, 0)
    token = link_in(mail).split("#verify=", 1)[1]
    german = locales.texts("requester", "de")

    # The request's language wins over the browser's.
    for _ in range(8):  # more calls than a code has tries
        got = texts_of(shop, {"token": token}, **{"Accept-Language": "fr"})
        assert got.status_code == 200, got.text
    assert got.headers["cache-control"] == "no-store"
    assert got.json()["lang"] == "de" and got.json()["dir"] == "ltr"
    assert got.json()["texts"]["link.confirm.button"] == german["link.confirm.button"]
    assert german["link.confirm.button"] != locales.texts("requester", "en")["link.confirm.button"]
    assert set(got.json()["texts"]) == {k for k in german if k.startswith("link.")}

    # A forged token reads like no token: the browser's language, the same shape.
    forged = texts_of(shop, {"token": token[:-2] + "xx"}, **{"Accept-Language": "fr-CA, de;q=0.5"})
    assert forged.status_code == 200 and set(forged.json()) == {"lang", "dir", "texts"}
    assert forged.json()["lang"] == "fr"
    assert forged.json()["texts"]["link.title"] == locales.texts("requester", "fr")["link.title"]
    bare = texts_of(shop, {})
    assert (bare.json()["lang"], bare.json()["dir"]) == ("en", "ltr")
    assert bare.json()["texts"]["link.confirm.button"] == "Confirm my request"
    arabic = texts_of(shop, {}, **{"Accept-Language": "ar-EG"})
    assert (arabic.json()["lang"], arabic.json()["dir"]) == ("ar", "rtl")

    # None of it was a try: the code from the e-mail still confirms.
    done = shop.post("/rights/verify", {"reference": reference, "code": code_in(mail)})
    assert done.status_code == 200, done.text

    for content, status in (("{", 400), ("[]", 422), ('{"token": "' + "x" * 70_000 + '"}', 413)):
        bad = shop.client.post(
            "/portal/api/verify/texts",
            content=content,
            headers={"Content-Type": "application/json"},
        )
        assert bad.status_code == status, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
    wrong_type = shop.client.post("/portal/api/verify/texts", content="{}")
    assert wrong_type.status_code == 415
    paths = shop.client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/portal/api/verify/texts"]


def test_the_link_pages_texts_are_limited_per_ip_apart_from_its_confirmation(shop: Shop) -> None:
    shop.at(T0)
    object.__setattr__(shop.services.settings, "limit_verify_per_ip", "3/hour")
    shop.file(ADA)
    token = link_in(shop.next_mail(ADA, 0)).split("#verify=", 1)[1]
    answers = [texts_of(shop, {"token": token}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = texts_of(shop, {"token": token})
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) > 0
    # The page's own confirmation counts apart: loading the page never uses it up.
    confirmed = shop.client.post("/portal/api/verify", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
