"""Sessions in the database, for the embedded default (no Redis)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.accounts.sessions.model import Session
from gateway.accounts.tables import console_sessions as table
from gateway.errors import StoreUnavailable


class DatabaseSessionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get(self, id_hash: str) -> Session | None:
        try:
            async with self.engine.connect() as conn:
                data = (
                    await conn.execute(select(table.c.data).where(table.c.id_hash == id_hash))
                ).scalar_one_or_none()
        except SQLAlchemyError as exc:
            raise StoreUnavailable("sessions could not be read") from exc
        return Session.from_json(data) if data is not None else None

    async def put(self, session: Session, ttl: float) -> None:
        # ttl is for stores that forget by themselves; expired rows here are removed on sight.
        try:
            async with self.engine.begin() as conn:
                changed = await conn.execute(
                    update(table)
                    .where(table.c.id_hash == session.id_hash)
                    .values(data=session.to_json())
                )
                if changed.rowcount == 0:
                    await conn.execute(
                        insert(table).values(
                            id_hash=session.id_hash,
                            person_id=session.person_id,
                            data=session.to_json(),
                        )
                    )
        except SQLAlchemyError as exc:
            raise StoreUnavailable("the session could not be stored") from exc

    async def delete(self, id_hash: str) -> None:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(delete(table).where(table.c.id_hash == id_hash))
        except SQLAlchemyError as exc:
            raise StoreUnavailable("the session could not be ended") from exc

    async def of_person(self, person_id: str) -> list[Session]:
        try:
            async with self.engine.connect() as conn:
                rows = await conn.execute(
                    select(table.c.data).where(table.c.person_id == person_id)
                )
                return [Session.from_json(r.data) for r in rows]
        except SQLAlchemyError as exc:
            raise StoreUnavailable("sessions could not be read") from exc

    async def close(self) -> None:
        return None
