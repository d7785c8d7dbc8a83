"""Accounts, people, memberships, invitations, resets and recovery codes in the database.

Every "use once" operation (an invitation, a reset link, a recovery code, a TOTP step) is a
conditional ``UPDATE … WHERE <still unused>`` whose row count says whether this caller won, so
two gateway instances can never both accept the same token. Database errors leave this module as
:class:`~gateway.errors.StoreUnavailable`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.accounts import tables as t
from gateway.accounts.records import Account, Invitation, Member, Person, Role
from gateway.accounts.sealing import SealedValueUnreadable, Sealer
from gateway.accounts.tokens import new_id
from gateway.errors import Conflict, StoreUnavailable

# The columns kept sealed (gateway.accounts.sealing); their rows' person id is bound in.
SEALED = ("totp_secret", "totp_pending")


class AccountStore:
    def __init__(self, engine: AsyncEngine, sealer: Sealer) -> None:
        self.engine = engine
        self.sealer = sealer

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.begin() as conn:
                yield conn
        except IntegrityError as exc:
            raise Conflict("that conflicts with what is already stored") from exc
        except SQLAlchemyError as exc:
            raise StoreUnavailable("the account store could not be reached") from exc

    # --- accounts -------------------------------------------------------------------------------

    async def create_account(self, name: str, now: float) -> Account:
        account = Account(id=new_id("acct"), name=name, created_at=now)
        async with self._tx() as conn:
            await conn.execute(
                insert(t.accounts).values(
                    id=account.id,
                    name=name,
                    status="active",
                    require_2fa=False,
                    created_at=now,
                )
            )
        return account

    async def account(self, account_id: str) -> Account | None:
        async with self._tx() as conn:
            row = (
                await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))
            ).first()
        return _account(row._mapping) if row else None

    async def list_accounts(self) -> list[Account]:
        async with self._tx() as conn:
            rows = await conn.execute(select(t.accounts).order_by(t.accounts.c.created_at))
        return [_account(r._mapping) for r in rows]

    async def update_account(self, account_id: str, **values: Any) -> None:
        async with self._tx() as conn:
            await conn.execute(
                update(t.accounts).where(t.accounts.c.id == account_id).values(**values)
            )

    async def delete_account(self, account_id: str) -> None:
        async with self._tx() as conn:
            for table in (t.memberships, t.invitations):
                await conn.execute(delete(table).where(table.c.account_id == account_id))
            await conn.execute(delete(t.accounts).where(t.accounts.c.id == account_id))

    async def accounts_of(self, person_id: str) -> list[tuple[Account, Role]]:
        query = (
            select(t.accounts, t.memberships.c.role)
            .join(t.memberships, t.memberships.c.account_id == t.accounts.c.id)
            .where(t.memberships.c.person_id == person_id)
            .order_by(t.accounts.c.created_at)
        )
        async with self._tx() as conn:
            rows = await conn.execute(query)
        return [(_account(r._mapping), r._mapping["role"]) for r in rows]

    # --- people ---------------------------------------------------------------------------------

    async def person(self, person_id: str) -> Person | None:
        return await self._person(t.people.c.id == person_id)

    async def person_by_email(self, email: str) -> Person | None:
        return await self._person(t.people.c.email == email)

    async def _person(self, where: Any) -> Person | None:
        async with self._tx() as conn:
            row = (await conn.execute(select(t.people).where(where))).first()
        if row is None:
            return None
        values = dict(row._mapping)
        stale: dict[str, str] = {}
        for column in SEALED:
            if values[column] is None:
                continue
            try:
                opened = self.sealer.open(values[column], f"{values['id']}/{column}")
            except SealedValueUnreadable as exc:
                raise StoreUnavailable(
                    "a two-factor secret could not be opened (GATEWAY_SECRETS_KEY)"
                ) from exc
            values[column] = opened.value
            if opened.stale:
                stale[column] = opened.value
        if stale:  # plaintext from before sealing, or an older key: sealed again now
            await self.update_person(values["id"], **stale)
        return Person(**values)

    async def create_person(
        self, email: str, password_hash: str | None, now: float, name: str = ""
    ) -> Person:
        person = Person(
            id=new_id("per"),
            email=email,
            name=name,
            password_hash=password_hash,
            password_changed_at=now if password_hash else None,
            created_at=now,
        )
        async with self._tx() as conn:
            await conn.execute(
                insert(t.people).values(
                    id=person.id,
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    password_changed_at=person.password_changed_at,
                    created_at=now,
                )
            )
        return person

    async def update_person(self, person_id: str, **values: Any) -> None:
        for column in SEALED:
            if values.get(column) is not None:
                values[column] = self.sealer.seal(values[column], f"{person_id}/{column}")
        async with self._tx() as conn:
            await conn.execute(update(t.people).where(t.people.c.id == person_id).values(**values))

    async def claim_totp_step(self, person_id: str, step: int) -> bool:
        """Record ``step`` as used, unless it (or a later one) already was."""
        query = (
            update(t.people)
            .where(
                t.people.c.id == person_id,
                or_(t.people.c.totp_last_step.is_(None), t.people.c.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        async with self._tx() as conn:
            return (await conn.execute(query)).rowcount == 1

    # --- recovery codes -------------------------------------------------------------------------

    async def replace_recovery_codes(self, person_id: str, digests: list[str]) -> None:
        async with self._tx() as conn:
            await conn.execute(
                delete(t.recovery_codes).where(t.recovery_codes.c.person_id == person_id)
            )
            if digests:
                await conn.execute(
                    insert(t.recovery_codes),
                    [{"person_id": person_id, "code_hash": d} for d in digests],
                )

    async def use_recovery_code(self, person_id: str, code_digest: str, now: float) -> bool:
        query = (
            update(t.recovery_codes)
            .where(
                t.recovery_codes.c.person_id == person_id,
                t.recovery_codes.c.code_hash == code_digest,
                t.recovery_codes.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        async with self._tx() as conn:
            return (await conn.execute(query)).rowcount == 1

    async def recovery_codes_left(self, person_id: str) -> int:
        query = select(func.count()).where(
            t.recovery_codes.c.person_id == person_id, t.recovery_codes.c.used_at.is_(None)
        )
        async with self._tx() as conn:
            return int((await conn.execute(query)).scalar_one())

    # --- memberships ----------------------------------------------------------------------------

    async def role_in(self, person_id: str, account_id: str) -> Role | None:
        query = select(t.memberships.c.role).where(
            t.memberships.c.person_id == person_id, t.memberships.c.account_id == account_id
        )
        async with self._tx() as conn:
            role: Role | None = (await conn.execute(query)).scalar_one_or_none()
        return role

    async def members(self, account_id: str) -> list[Member]:
        query = (
            select(t.people, t.memberships.c.role)
            .join(t.memberships, t.memberships.c.person_id == t.people.c.id)
            .where(t.memberships.c.account_id == account_id)
            .order_by(t.people.c.email)
        )
        async with self._tx() as conn:
            rows = await conn.execute(query)
        return [
            Member(
                person_id=m["id"],
                email=m["email"],
                name=m["name"],
                role=m["role"],
                two_factor=m["totp_secret"] is not None,
            )
            for m in (r._mapping for r in rows)
        ]

    async def set_membership(self, person_id: str, account_id: str, role: Role) -> None:
        """Make ``person_id`` a member with ``role``, or change the role they have."""
        async with self._tx() as conn:
            changed = await conn.execute(
                update(t.memberships)
                .where(
                    t.memberships.c.person_id == person_id,
                    t.memberships.c.account_id == account_id,
                )
                .values(role=role)
            )
            if changed.rowcount == 0:
                await conn.execute(
                    insert(t.memberships).values(
                        person_id=person_id, account_id=account_id, role=role
                    )
                )

    async def remove_membership(self, person_id: str, account_id: str) -> None:
        async with self._tx() as conn:
            await conn.execute(
                delete(t.memberships).where(
                    t.memberships.c.person_id == person_id,
                    t.memberships.c.account_id == account_id,
                )
            )

    # --- invitations ----------------------------------------------------------------------------

    async def add_invitation(self, invitation: Invitation) -> None:
        async with self._tx() as conn:
            await conn.execute(
                insert(t.invitations).values(
                    id=invitation.id,
                    account_id=invitation.account_id,
                    email=invitation.email,
                    role=invitation.role,
                    token_hash=invitation.token_hash,
                    expires_at=invitation.expires_at,
                    created_at=invitation.created_at,
                    invited_by=invitation.invited_by,
                )
            )

    async def invitation(self, token_hash: str) -> Invitation | None:
        query = select(t.invitations).where(t.invitations.c.token_hash == token_hash)
        async with self._tx() as conn:
            row = (await conn.execute(query)).first()
        return Invitation(**row._mapping) if row else None

    async def use_invitation(self, invitation_id: str, now: float) -> bool:
        query = (
            update(t.invitations)
            .where(
                t.invitations.c.id == invitation_id,
                t.invitations.c.used_at.is_(None),
                t.invitations.c.expires_at > now,
            )
            .values(used_at=now)
        )
        async with self._tx() as conn:
            return (await conn.execute(query)).rowcount == 1

    async def open_invitations(self, account_id: str, now: float) -> list[Invitation]:
        return await self._open_invitations(t.invitations.c.account_id == account_id, now)

    async def open_invitations_for(self, email: str, now: float) -> list[Invitation]:
        return await self._open_invitations(t.invitations.c.email == email, now)

    async def _open_invitations(self, whose: Any, now: float) -> list[Invitation]:
        """Invitations neither used nor expired, oldest first, of an account or an address."""
        query = (
            select(t.invitations)
            .where(whose, t.invitations.c.used_at.is_(None), t.invitations.c.expires_at > now)
            .order_by(t.invitations.c.created_at)
        )
        async with self._tx() as conn:
            rows = await conn.execute(query)
        return [Invitation(**r._mapping) for r in rows]

    # --- password resets ------------------------------------------------------------------------

    async def add_reset(self, token_hash: str, person_id: str, expires_at: float) -> None:
        async with self._tx() as conn:
            await conn.execute(
                insert(t.password_resets).values(
                    token_hash=token_hash, person_id=person_id, expires_at=expires_at
                )
            )

    async def reset_for(self, token_hash: str, now: float) -> str | None:
        """The person an unused, unexpired reset link is for (the link stays unused)."""
        row = t.password_resets.c
        query = select(row.person_id).where(
            row.token_hash == token_hash, row.used_at.is_(None), row.expires_at > now
        )
        async with self._tx() as conn:
            person_id = (await conn.execute(query)).scalar_one_or_none()
        return None if person_id is None else str(person_id)

    async def use_reset(self, token_hash: str, now: float) -> bool:
        row = t.password_resets.c
        query = (
            update(t.password_resets)
            .where(row.token_hash == token_hash, row.used_at.is_(None), row.expires_at > now)
            .values(used_at=now)
        )
        async with self._tx() as conn:
            return (await conn.execute(query)).rowcount == 1


def _account(row: Any) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        status=row["status"],
        require_2fa=bool(row["require_2fa"]),
        created_at=row["created_at"],
    )
