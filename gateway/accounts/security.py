"""A person's own security settings: two-factor enrolment, recovery codes, password change.

Enrolment is two steps, so a mistyped secret never locks anyone out: :func:`enrol` keeps a new
secret as *pending* and hands it out once; :func:`confirm` makes it active only when a code made
from it is entered, and returns ten fresh recovery codes. Turning two-factor sign-in off, or
making new recovery codes, asks for the password again.
"""

from __future__ import annotations

from gateway.accounts.errors import InvalidCode, PasswordIncorrect, TwoFactorState
from gateway.accounts.passwords import check_new_password, verify_password
from gateway.accounts.records import Person
from gateway.accounts.resets import set_password
from gateway.accounts.runtime import Accounts
from gateway.accounts.signin import second_factor_ok
from gateway.accounts.two_factor import (
    matching_step,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    recovery_digest,
)


async def _require_password(person: Person, password: str) -> None:
    if not await verify_password(person.password_hash, password):
        raise PasswordIncorrect("the password is not right")


async def enrol(accounts: Accounts, person: Person) -> tuple[str, str]:
    """A pending TOTP secret and its ``otpauth://`` URI, shown once."""
    if person.two_factor:
        raise TwoFactorState("two-factor sign-in is already on; turn it off first to change it")
    secret = new_secret()
    await accounts.store.update_person(person.id, totp_pending=secret)
    return secret, provisioning_uri(secret, person.email)


async def confirm(accounts: Accounts, person: Person, code: str, now: float) -> list[str]:
    """Turn two-factor sign-in on with a code from the pending secret; the recovery codes."""
    if person.two_factor or person.totp_pending is None:
        raise TwoFactorState("start enrolment first")
    step = matching_step(person.totp_pending, code, now, None)
    if step is None:
        raise InvalidCode("that code does not match; check the authenticator app's clock")
    await accounts.store.update_person(
        person.id, totp_secret=person.totp_pending, totp_pending=None, totp_last_step=step
    )
    return await _new_codes(accounts, person)


async def disable(accounts: Accounts, person: Person, password: str, code: str, now: float) -> None:
    if not person.two_factor:
        raise TwoFactorState("two-factor sign-in is not on")
    if any(a.require_2fa for a, _ in await accounts.store.accounts_of(person.id)):
        raise TwoFactorState("an account of yours requires two-factor sign-in: it stays on")
    await _require_password(person, password)
    if not await second_factor_ok(accounts.store, person, code, now):
        raise InvalidCode("that code is not valid (any more)")
    await accounts.store.update_person(
        person.id, totp_secret=None, totp_pending=None, totp_last_step=None
    )
    await accounts.store.replace_recovery_codes(person.id, [])


async def regenerate_codes(accounts: Accounts, person: Person, password: str) -> list[str]:
    if not person.two_factor:
        raise TwoFactorState("two-factor sign-in is not on")
    await _require_password(person, password)
    return await _new_codes(accounts, person)


async def _new_codes(accounts: Accounts, person: Person) -> list[str]:
    codes = new_recovery_codes()
    await accounts.store.replace_recovery_codes(person.id, [recovery_digest(c) for c in codes])
    return codes


async def change_password(
    accounts: Accounts, person: Person, current: str, new: str, now: float, keep: str | None
) -> None:
    """A new password; every session but ``keep`` ends (the caller rotates ``keep``)."""
    await _require_password(person, current)
    check_new_password(new, person.email, field="new_password")
    await set_password(accounts, person, new, now, keep=keep)
