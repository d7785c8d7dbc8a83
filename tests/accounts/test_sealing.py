"""Two-factor secrets are sealed in the database: the raw row holds no secret in clear, a secret
stored in clear before sealing existed still signs in and is sealed on that read, and a rotated
key list still opens what the older key sealed."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select, update
from starlette.datastructures import Secret

from gateway.accounts import tables as t
from gateway.accounts.sealing import SealedValueUnreadable, Sealer
from tests.accounts.helpers import Console, console_settings, open_console
from tests.accounts.test_two_factor import enrol


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def _raw(console: Console, column: str, email: str) -> str | None:
    engine = console.services.accounts.engine

    async def read() -> str | None:
        async with engine.connect() as conn:
            query = select(t.people.c[column]).where(t.people.c.email == email)
            value: str | None = (await conn.execute(query)).scalar_one()
            return value

    return console.client.portal.call(read)  # type: ignore[union-attr]


def _write_raw(console: Console, email: str, **values: object) -> None:
    engine = console.services.accounts.engine

    async def write() -> None:
        async with engine.begin() as conn:
            await conn.execute(update(t.people).where(t.people.c.email == email).values(**values))

    console.client.portal.call(write)  # type: ignore[union-attr]


def test_secrets_are_sealed_and_plaintext_ones_are_sealed_on_use(
    data_dir: Path, database_url: str
) -> None:
    settings = console_settings(
        data_dir, database_url=Secret(database_url), secrets_key=Secret(_key())
    )
    email = "alice@shop.example"
    with open_console(settings) as console:
        _, owner = console.owner_of("Shop", email)
        pending = owner.post("/console/api/me/two-factor/enrol").json()["secret"]
        assert pending not in (_raw(console, "totp_pending", email) or "")
        assert (_raw(console, "totp_pending", email) or "").startswith("gcm1:")
        console.clock.advance(30)
        owner.post(
            "/console/api/me/two-factor/confirm",
            json={"code": pyotp.TOTP(pending).at(console.clock())},
        )
        stored = _raw(console, "totp_secret", email) or ""
        assert stored.startswith("gcm1:") and pending not in stored
        assert base64.b32decode(pending) not in stored.encode()
        # A row written before secrets were sealed: the secret in clear.
        plain = pyotp.random_base32()
        _write_raw(console, email, totp_secret=plain, totp_last_step=None)
        console.clock.advance(30)
        signed = console.browser().sign_in(email, code=pyotp.TOTP(plain).at(console.clock()))
        assert signed.status_code == 200, signed.text
        resealed = _raw(console, "totp_secret", email) or ""
        assert resealed.startswith("gcm1:") and plain not in resealed
        # Sealed with a key this gateway does not have: a clear 503 problem, never a way in.
        other = Sealer([secrets.token_bytes(32)]).seal(plain, "x/totp_secret")
        _write_raw(console, email, totp_secret=other)
        refused = console.browser().sign_in(email, code=pyotp.TOTP(plain).at(console.clock()))
        assert refused.status_code == 503
        assert refused.json()["code"] == "store_unavailable"


def test_a_rotated_key_list_still_opens_what_the_older_key_sealed() -> None:
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    sealed = Sealer([old]).seal("JBSWY3DPEHPK3PXP", "per_a/totp_secret")
    rotated = Sealer([new, old])
    opened = rotated.open(sealed, "per_a/totp_secret")
    assert opened.value == "JBSWY3DPEHPK3PXP" and opened.stale
    again = rotated.seal(opened.value, "per_a/totp_secret")
    assert not rotated.open(again, "per_a/totp_secret").stale
    with pytest.raises(SealedValueUnreadable):
        Sealer([old]).open(again, "per_a/totp_secret")


def test_a_sealed_secret_does_not_open_in_another_row() -> None:
    sealer = Sealer([secrets.token_bytes(32)])
    sealed = sealer.seal("JBSWY3DPEHPK3PXP", "per_a/totp_secret")
    assert sealer.open(sealed, "per_a/totp_secret").value == "JBSWY3DPEHPK3PXP"
    with pytest.raises(SealedValueUnreadable):
        sealer.open(sealed, "per_b/totp_secret")
    with pytest.raises(SealedValueUnreadable):
        sealer.open(sealed, "per_a/totp_pending")


def test_the_embedded_default_keeps_its_key_in_the_data_folder(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    enrol(console, owner)
    key_file = console.services.settings.data_dir / "secrets_key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert (_raw(console, "totp_secret", "alice@shop.example") or "").startswith("gcm1:")
