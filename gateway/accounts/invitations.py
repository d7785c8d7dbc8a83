"""Invitations: a single-use link that makes its holder a member of an account with a role.

Only the link token's digest is stored. Accepting creates the person (choosing a password) or,
for someone who already has a sign-in, asks for that password; then the invitation is used up by a
conditional update, so one link makes one member, once, before it expires. Single sign-on accepts
the open invitations of an address its provider verified (:func:`accept_verified`): the provider's
word stands for the link, and the person has no password until they choose one by a reset.
"""

from __future__ import annotations

from gateway.accounts.addresses import AddressInvalid, normalise_address
from gateway.accounts.errors import InvalidEmail, LinkInvalid, PasswordIncorrect
from gateway.accounts.messages import console_link, invitation_mail
from gateway.accounts.passwords import check_new_password, hash_password, verify_password
from gateway.accounts.records import Account, Invitation, Person, Role, role_at_least
from gateway.accounts.runtime import Accounts
from gateway.accounts.tokens import digest, new_id, new_token
from gateway.mail.mailer import Mailer
from gateway.settings import Settings


def parse_address(raw: object, field: str = "email") -> str:
    if not isinstance(raw, str):
        raise InvalidEmail(
            "an e-mail address is required",
            errors=[{"field": field, "message": "required", "code": InvalidEmail.code}],
        )
    try:
        return normalise_address(raw)
    except AddressInvalid as exc:
        raise InvalidEmail(
            str(exc), errors=[{"field": field, "message": str(exc), "code": InvalidEmail.code}]
        ) from None


async def invite(
    accounts: Accounts,
    mailer: Mailer,
    settings: Settings,
    account: Account,
    email: str,
    role: Role,
    invited_by: str | None,
    now: float,
) -> tuple[Invitation, str]:
    """Store an invitation, queue its e-mail, and return it with its link."""
    token = new_token()
    invitation = Invitation(
        id=new_id("inv"),
        account_id=account.id,
        email=email,
        role=role,
        token_hash=digest(token),
        expires_at=now + settings.invitation_ttl_seconds,
        created_at=now,
        invited_by=invited_by,
    )
    await accounts.store.add_invitation(invitation)
    link = console_link(settings, "invitation", token)
    days = max(1, round(settings.invitation_ttl_seconds / 86_400))
    await mailer.send(invitation_mail(email, account.name, link, days))
    return invitation, link


async def open_invitation(accounts: Accounts, token: str, now: float) -> Invitation:
    found = await accounts.store.invitation(digest(token)) if token else None
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise LinkInvalid("this invitation link is not valid: it was used, or it expired")
    return found


async def accept(
    accounts: Accounts, token: str, password: str, name: str, now: float
) -> tuple[Person, Invitation]:
    """Use the invitation: the person (new, or existing and proven by password) becomes a member."""
    invitation = await open_invitation(accounts, token, now)
    store = accounts.store
    person = await store.person_by_email(invitation.email)
    if person is None or person.password_hash is None:
        check_new_password(password, invitation.email)
        hashed = await hash_password(password)
    elif not await verify_password(person.password_hash, password):
        raise PasswordIncorrect("you already have a sign-in: enter its password to accept")
    if not await store.use_invitation(invitation.id, now):
        raise LinkInvalid("this invitation link is not valid: it was used, or it expired")
    if person is None:
        person = await store.create_person(invitation.email, hashed, now, name=name)
    elif person.password_hash is None:
        await store.update_person(person.id, password_hash=hashed, password_changed_at=now)
        person = await store.person(person.id) or person
    current = await store.role_in(person.id, invitation.account_id)
    if current is None or not role_at_least(current, invitation.role):
        await store.set_membership(person.id, invitation.account_id, invitation.role)
    return person, invitation


async def accept_verified(accounts: Accounts, email: str, now: float) -> Person | None:
    """Use every open invitation for ``email``, an address a sign-in provider verified; the
    person (created without a password if new), or None when no invitation was open."""
    store = accounts.store
    person = await store.person_by_email(email)
    for invitation in await store.open_invitations_for(email, now):
        if not await store.use_invitation(invitation.id, now):
            continue  # accepted at this moment by another way
        if person is None:
            person = await store.create_person(email, None, now)
        current = await store.role_in(person.id, invitation.account_id)
        if current is None or not role_at_least(current, invitation.role):
            await store.set_membership(person.id, invitation.account_id, invitation.role)
    return person
