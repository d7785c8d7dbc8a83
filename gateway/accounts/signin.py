"""Signing in with an address, a password and, when enrolled, a second factor.

Every attempt takes the same path whether or not the address belongs to someone: the address is
looked up, the throttle consulted, and a password verified — against the person's hash, or a dummy
hash with the same parameters — and a wrong address or password gets one and the same answer,
``401 sign_in_failed``. Only someone who knows the password learns that a second factor is needed.
"""

from __future__ import annotations

from gateway.accounts.addresses import AddressInvalid, normalise_address
from gateway.accounts.errors import SecondFactorRequired, SignInFailed
from gateway.accounts.passwords import hash_password, needs_rehash, verify_password
from gateway.accounts.records import Person
from gateway.accounts.runtime import Accounts
from gateway.accounts.store import AccountStore
from gateway.accounts.two_factor import matching_step, recovery_digest


def comparable_address(raw: str) -> str:
    """The normalised address, or a best-effort form of a malformed one (which matches nobody
    but is throttled like any other)."""
    try:
        return normalise_address(raw)
    except AddressInvalid:
        return raw.strip().lower()[:320]


async def second_factor_ok(store: AccountStore, person: Person, code: str, now: float) -> bool:
    """A TOTP code not used before, or an unused recovery code; either is used up now."""
    cleaned = code.strip()
    if person.totp_secret is None or not cleaned:
        return False
    digits = cleaned.replace(" ", "")
    if len(digits) == 6 and digits.isdigit():
        step = matching_step(person.totp_secret, digits, now, person.totp_last_step)
        return step is not None and await store.claim_totp_step(person.id, step)
    return await store.use_recovery_code(person.id, recovery_digest(cleaned), now)


async def sign_in(
    accounts: Accounts,
    address: str,
    password: str,
    code: str | None,
    ip: str,
    device_person: str | None,
    now: float,
) -> tuple[Person, dict[str, str]]:
    """The person these credentials are for, and the throttle's headers; or a typed error.

    ``device_person`` is the person id a valid known-device cookie names, if any.
    """
    email = comparable_address(address)
    person = await accounts.store.person_by_email(email)
    known_device = person is not None and device_person == person.id
    headers = await accounts.throttle.before_attempt(email, ip, now, known_device)
    stored = person.password_hash if person is not None else None
    if not await verify_password(stored, password) or person is None:
        await accounts.throttle.failed(email, now)
        raise SignInFailed("the address or the password is not right", headers=headers)
    if person.two_factor:
        if not code:
            raise SecondFactorRequired(
                "enter the code from your authenticator app, or a recovery code", headers=headers
            )
        if not await second_factor_ok(accounts.store, person, code, now):
            await accounts.throttle.failed(email, now)
            raise SecondFactorRequired("that code is not valid (any more)", headers=headers)
    await accounts.throttle.succeeded(email)
    if person.password_hash is not None and needs_rehash(person.password_hash):
        await accounts.store.update_person(person.id, password_hash=await hash_password(password))
    return person, headers
