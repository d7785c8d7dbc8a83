"""The rights workflow: status changes with who and why, refused ones, listings and deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from gateway.errors import InvalidPayload, NotFound
from gateway.records.model import RightsFilter
from gateway.records.rights import InvalidStatusTransition
from tests.conftest import Database
from tests.support.records import OTHER_KEY, T0, open_store, rights

NOW = T0 + timedelta(days=40)


def clock() -> datetime:
    return NOW


def test_a_request_goes_from_received_to_completed_with_its_history(database: Database) -> None:
    ref = rights(1).reference

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await store.add_rights([rights(1)])
            stored = await store.get_rights(ref)
            assert (stored.status, stored.closed_at) == ("received", None)
            assert stored.email == "person1@example.org"  # normalised
            assert stored.identity["email"] == "Person1@Example.org"  # as sent
            assert stored.identity["custom"] == {"order_number": "A-1"}
            assert stored.law == "gdpr" and stored.due_at == date(2025, 4, 1)
            for status, note in [
                ("verified", "identity confirmed by e-mail"),
                ("in_progress", None),
                ("completed", "account deleted"),
            ]:
                changed = await store.change_status(ref, status, actor="ops@shop", note=note)
                assert changed.status == status
            assert changed.closed_at == NOW
            history = await store.rights_history(ref)
            assert [(e.from_status, e.to_status, e.actor) for e in history] == [
                (None, "received", "gateway"),
                ("received", "verified", "ops@shop"),
                ("verified", "in_progress", "ops@shop"),
                ("in_progress", "completed", "ops@shop"),
            ]
            assert history[1].note == "identity confirmed by e-mail"
            assert history[0].at == rights(1).received_at and history[3].at == NOW

    database.run(scenario())


BAD = [
    ([], "completed", "received"),
    ([], "in_progress", "received"),
    (["verified"], "received", "verified"),
    (["verified", "in_progress", "completed"], "refused", "completed"),
    (["refused"], "verified", "refused"),
]


@pytest.mark.parametrize(
    "path, to_status, stuck_at",
    BAD,
    ids=["skip-to-completed", "skip-verification", "backwards", "after-completed", "after-refused"],
)
def test_a_change_the_workflow_does_not_allow_is_refused(
    database: Database, path: list[str], to_status: str, stuck_at: str
) -> None:
    ref = rights(2).reference

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await store.add_rights([rights(2)])
            for status in path:
                await store.change_status(ref, status, actor="ops")
            with pytest.raises(InvalidStatusTransition) as info:
                await store.change_status(ref, to_status, actor="ops")
            assert info.value.code == "invalid_status_transition"
            assert info.value.status == 409
            assert info.value.extra == {"from_status": stuck_at, "to_status": to_status}
            assert (await store.get_rights(ref)).status == stuck_at
            assert len(await store.rights_history(ref)) == 1 + len(path)

    database.run(scenario())


def test_unknown_requests_and_statuses_are_typed_errors(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await store.add_rights([rights(3)])
            with pytest.raises(NotFound):
                await store.change_status("RR-NONE-NONE", "verified", actor="ops")
            with pytest.raises(NotFound):
                await store.get_rights("RR-NONE-NONE")
            with pytest.raises(InvalidStatusTransition):
                await store.change_status(rights(3).reference, "archived", actor="ops")
            with pytest.raises(InvalidPayload):
                await store.change_status(rights(3).reference, "verified", actor="")

    database.run(scenario())


def test_rights_listings_filter_by_status_type_and_deadline(database: Database) -> None:
    # Twelve requests a day apart from T0; GDPR answers in a month, CCPA in 45 days.
    requests = [
        rights(
            n,
            at=T0 + timedelta(days=n),
            type_="ccpa_delete" if n % 3 == 0 else "gdpr_access",
            public_key=OTHER_KEY if n % 4 == 0 else "pk_" + "a" * 38,
        )
        for n in range(12)
    ]
    closed = {requests[1].reference, requests[2].reference}

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await store.add_rights(requests)
            for ref in closed:
                await store.change_status(ref, "refused", actor="ops", note="not the requester")

            async def walk(where: RightsFilter) -> list[str]:
                out: list[str] = []
                after = None
                while True:
                    page = await store.list_rights(where, after=after, limit=5)
                    out.extend(r.reference for r in page.items)
                    if page.next_cursor is None:
                        return out
                    after = page.next_cursor

            def expect(keep: object) -> list[str]:
                return [r.reference for r in reversed(requests) if keep(r)]  # type: ignore[operator]

            assert await walk(RightsFilter()) == expect(lambda r: True)
            assert await walk(RightsFilter(status="refused")) == expect(
                lambda r: r.reference in closed
            )
            assert await walk(RightsFilter(type="ccpa_delete")) == expect(
                lambda r: r.submission.type == "ccpa_delete"
            )
            assert await walk(RightsFilter(public_key=OTHER_KEY)) == expect(
                lambda r: r.public_key == OTHER_KEY
            )
            cut = date(2025, 4, 5)
            assert await walk(RightsFilter(due_before=cut)) == expect(lambda r: r.respond_by < cut)
            # Overdue on NOW (T0 + 40 days): open, and due before that day.
            today = NOW.date()
            overdue = await walk(RightsFilter(overdue=True))
            assert overdue == expect(lambda r: r.respond_by < today and r.reference not in closed)
            assert overdue  # the data set has some

    database.run(scenario())
