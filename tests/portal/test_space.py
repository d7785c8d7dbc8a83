"""The requester's space through its API, on a real store and a real SMTP server on loopback:
opened with the e-mailed link plus a code, a session cookie guarded against CSRF, the request's
due date and history, messages and documents both ways (type read from content, sealed at
rest), the e-mails, and the 60 days after closure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.records import casework
from gateway.records.tables import rights_documents, rights_space_sessions
from tests.portal.conftest import OWNER, Shop, code_in, make_shop, open_shop, text_of
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
    code = code_in(shop.next_mail(email, seen))
    opened = shop.client.post(SPACE + "/session", json={"token": token, "code": code})
    assert opened.status_code == 200, opened.text
    shop.client.cookies.set(COOKIE, opened.cookies[COOKIE])
    return dict(opened.json())


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
