"""Password reset by an e-mailed link: single use, 30 minutes, stored as a digest.

Asking for a reset answers the same whatever the address: a link is made in both cases, and
mailed (queued) only to someone who has a sign-in. Completing one sets the password and ends every
session of the person.
"""

from __future__ import annotations

from gateway.accounts.errors import LinkInvalid
from gateway.accounts.messages import console_link, reset_mail
from gateway.accounts.passwords import check_new_password, hash_password
from gateway.accounts.records import Person
from gateway.accounts.runtime import Accounts
from gateway.accounts.signin import comparable_address
from gateway.accounts.tokens import digest, new_token
from gateway.mail.mailer import Mailer
from gateway.settings import Settings

RESET_SECONDS = 1800


async def request_reset(
    accounts: Accounts, mailer: Mailer, settings: Settings, address: str, now: float
) -> None:
    token = new_token()
    hashed = digest(token)
    person = await accounts.store.person_by_email(comparable_address(address))
    if person is None:
        return
    await accounts.store.add_reset(hashed, person.id, now + RESET_SECONDS)
    link = console_link(settings, "reset", token)
    await mailer.send(reset_mail(person.email, link, RESET_SECONDS // 60))


async def complete_reset(accounts: Accounts, token: str, password: str, now: float) -> Person:
    store = accounts.store
    person_id = await store.reset_for(digest(token), now) if token else None
    person = await store.person(person_id) if person_id else None
    if person is None:
        raise LinkInvalid("this reset link is not valid: it was used, or it expired")
    check_new_password(password, person.email)
    if not await store.use_reset(digest(token), now):
        raise LinkInvalid("this reset link is not valid: it was used, or it expired")
    await set_password(accounts, person, password, now)
    return person


async def set_password(
    accounts: Accounts, person: Person, password: str, now: float, keep: str | None = None
) -> None:
    """Store a new password and end every session of ``person`` but ``keep`` (an id digest)."""
    await accounts.store.update_person(
        person.id, password_hash=await hash_password(password), password_changed_at=now
    )
    await accounts.sessions.end_all(person.id, keep=keep)
