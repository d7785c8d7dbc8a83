"""Who may do what to an account: one function every console route goes through.

Roles are ordered ``viewer`` < ``admin`` < ``owner``: viewers read keys and members; admins also
create, change, roll and revoke keys; owners also manage members and the account's settings.
Someone who is no member of an account gets ``404 account_not_found`` for it — the answer an
account that does not exist gets — never a 403 that would confirm it exists. A member below the
role a route needs gets ``403 role_too_low``; a member of an account that requires two-factor
sign-in who has not enrolled gets ``403 two_factor_enrolment_required``; and nothing but reading
is allowed in a suspended account (``403 account_suspended``).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.accounts.errors import AccountNotFound, RoleTooLow, TwoFactorEnrolmentRequired
from gateway.accounts.records import Account, Person, Role, role_at_least
from gateway.accounts.store import AccountStore
from gateway.errors import AccountSuspended


@dataclass(frozen=True)
class Grant:
    """A person's standing in one account, once :func:`require` let them through."""

    account: Account
    role: Role


async def require(store: AccountStore, person: Person, account_id: str, wanted: Role) -> Grant:
    role = await store.role_in(person.id, account_id) if len(account_id) <= 40 else None
    account = await store.account(account_id) if role is not None else None
    if role is None or account is None:
        raise AccountNotFound("no account with this id exists")
    if account.require_2fa and not person.two_factor:
        raise TwoFactorEnrolmentRequired(
            "this account requires two-factor sign-in: turn it on under Security first"
        )
    if not role_at_least(role, wanted):
        raise RoleTooLow(f"this needs the {wanted} role in this account; yours is {role}")
    if wanted != "viewer" and not account.active:
        raise AccountSuspended("this account is suspended: nothing in it can be changed")
    return Grant(account, role)
