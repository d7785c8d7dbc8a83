"""Extension, pause and resume of a request's deadline, and messages for the requester, in the
store on SQLite and PostgreSQL: each moves the due date as its law says and is in the history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gateway.errors import InvalidPayload
from gateway.records import casework
from gateway.records.casework import ClockConflict, ExtensionNotAllowed, RequestClosed
from tests.conftest import Database
from tests.support.records import open_store, rights

FILED = datetime(2027, 1, 31, 9, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = FILED

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 11, 0, tzinfo=UTC)


def test_a_gdpr_request_filed_on_31_january_is_due_on_28_february_and_its_extension(
    database: Database,
) -> None:
    clock = Clock()
    request = rights(1, at=FILED)

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await store.add_rights([request])
            stored = await store.get_rights(request.reference)
            assert (stored.law, stored.due_at) == ("gdpr", date(2027, 2, 28))
            clock.on(date(2027, 2, 20))
            await casework.extend(store, request.reference, actor="ops@shop", reason="complex")
            extended = await store.get_rights(request.reference)
            assert extended.due_at == date(2027, 4, 28)
            assert extended.extension_reason == "complex"
            with pytest.raises(ExtensionNotAllowed):
                await casework.extend(store, request.reference, actor="ops@shop", reason="more")
            last = (await store.rights_history(request.reference))[-1]
            assert (last.kind, last.actor, last.note, last.at) == (
                "extension",
                "ops@shop",
                "complex",
                clock.now,
            )

    database.run(scenario())


def test_a_ccpa_request_is_due_45_days_later_and_lgpd_allows_no_extension(
    database: Database,
) -> None:
    clock = Clock()
    ccpa = rights(1, at=FILED, type_="ccpa_delete")
    lgpd = rights(2, at=FILED, law="lgpd")

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await store.add_rights([ccpa, lgpd])
            assert (await store.get_rights(ccpa.reference)).due_at == date(2027, 3, 17)
            await casework.extend(store, ccpa.reference, actor="ops", reason="many systems")
            assert (await store.get_rights(ccpa.reference)).due_at == date(2027, 5, 1)
            assert (await store.get_rights(lgpd.reference)).due_at == date(2027, 2, 15)
            with pytest.raises(ExtensionNotAllowed) as info:
                await casework.extend(store, lgpd.reference, actor="ops", reason="complex")
            assert info.value.extra["law"] == "lgpd"
            with pytest.raises(InvalidPayload):
                await casework.extend(store, ccpa.reference, actor="ops", reason="  ")

    database.run(scenario())


def test_a_pause_moves_the_due_date_by_the_days_waited_for_the_reply(database: Database) -> None:
    clock = Clock()
    request = rights(1, at=FILED)

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await store.add_rights([request])
            clock.on(date(2027, 2, 10))
            await casework.pause(store, request.reference, actor="ops", note="proof of identity")
            paused = await store.get_rights(request.reference)
            assert paused.paused and paused.deadline.due(date(2027, 2, 14)) == date(2027, 3, 4)
            with pytest.raises(ClockConflict):
                await casework.pause(store, request.reference, actor="ops", note=None)
            clock.on(date(2027, 2, 17))
            await casework.resume(store, request.reference, actor="gateway", note="replied")
            resumed = await store.get_rights(request.reference)
            assert (resumed.paused, resumed.paused_days) == (False, 7)
            assert resumed.due_at == date(2027, 3, 7)
            with pytest.raises(ClockConflict):
                await casework.resume(store, request.reference, actor="ops", note=None)
            kinds = [(e.kind, e.note) for e in await store.rights_history(request.reference)]
            assert kinds[-2:] == [("pause", "proof of identity"), ("resume", "replied")]

    database.run(scenario())


def test_messages_are_kept_with_author_and_time_and_closed_requests_keep_their_clock(
    database: Database,
) -> None:
    clock = Clock()
    request = rights(1, at=FILED)

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await store.add_rights([request])
            clock.now += timedelta(hours=2)
            await casework.add_message(
                store, request.reference, author="ops@shop", body="Which account?"
            )
            kept = await casework.messages(store, request.reference)
            assert [(m.author, m.body, m.at) for m in kept] == [
                ("ops@shop", "Which account?", clock.now)
            ]
            assert (await store.rights_history(request.reference))[-1].kind == "message"
            await store.change_status(request.reference, "refused", actor="ops")
            for change in (casework.pause, casework.resume):
                with pytest.raises(RequestClosed):
                    await change(store, request.reference, actor="ops", note=None)
            with pytest.raises(RequestClosed):
                await casework.extend(store, request.reference, actor="ops", reason="late")

    database.run(scenario())
