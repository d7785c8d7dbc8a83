"""What operators do to accounts, shared by the CLI and the admin API: create one with an
invitation for its first owner, list, suspend, reinstate, delete.

Suspension reaches the widgets through the keys: each key of the account is marked (through
:func:`gateway.key_admin.set_account_suspended`, audited), and the key store's change notice drops
every instance's cached copy, so a suspension is enforced within a second everywhere, and undone as
quickly by reinstating. Deleting an account revokes its keys first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from gateway.accounts.errors import AccountNotFound
from gateway.accounts.invitations import invite, parse_address
from gateway.accounts.records import Account
from gateway.accounts.runtime import Accounts
from gateway.errors import InvalidPayload
from gateway.keys import changes as key_admin
from gateway.keys.audit import AuditLog
from gateway.keys.model import ApiKey
from gateway.keys.store import KeyStore
from gateway.mail.mailer import Mailer
from gateway.settings import Settings

MAX_NAME = 100


@dataclass(frozen=True)
class CreatedAccount:
    account: Account
    owner: str
    invitation_link: str
    invitation_expires_at: float


def parse_name(raw: object, field: str = "name") -> str:
    name = raw.strip() if isinstance(raw, str) else ""
    if not 1 <= len(name) <= MAX_NAME or any(unicodedata.category(c)[0] == "C" for c in name):
        message = f"a name of 1 to {MAX_NAME} characters, without control characters"
        raise InvalidPayload(
            message, errors=[{"field": field, "message": message, "code": "invalid_payload"}]
        )
    return name


async def create_account(
    accounts: Accounts,
    mailer: Mailer,
    settings: Settings,
    name: object,
    owner: object,
    now: float,
) -> CreatedAccount:
    """A new account and an invitation for its first owner (mailed, and returned as a link)."""
    account_name = parse_name(name)
    email = parse_address(owner, field="owner")
    account = await accounts.store.create_account(account_name, now)
    invitation, link = await invite(accounts, mailer, settings, account, email, "owner", None, now)
    return CreatedAccount(account, email, link, invitation.expires_at)


async def get_account(accounts: Accounts, account_id: str) -> Account:
    found = await accounts.store.account(account_id) if len(account_id) <= 40 else None
    if found is None:
        raise AccountNotFound("no account with this id exists")
    return found


async def account_keys(store: KeyStore, account_id: str) -> list[ApiKey]:
    keys: list[ApiKey] = []
    cursor: str | None = None
    while True:
        page, cursor = await store.list(account_id, cursor, 200)
        keys.extend(page)
        if cursor is None:
            return keys


async def set_suspended(
    accounts: Accounts,
    store: KeyStore,
    audit: AuditLog,
    account_id: str,
    suspended: bool,
    actor: str,
    now: float,
) -> Account:
    account = await get_account(accounts, account_id)
    await accounts.store.update_account(account.id, status="suspended" if suspended else "active")
    for key in await account_keys(store, account.id):
        await key_admin.set_account_suspended(store, audit, key, suspended, actor, now)
    return await get_account(accounts, account.id)


async def delete_account(
    accounts: Accounts, store: KeyStore, audit: AuditLog, account_id: str, actor: str, now: float
) -> None:
    account = await get_account(accounts, account_id)
    for key in await account_keys(store, account.id):
        await key_admin.revoke(store, audit, key, actor, now, reason="account deleted")
    await accounts.store.delete_account(account.id)
