"""Listing consent records: filters, cursor pages, proofs, and the daily statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.consent.records import ConsentRecord
from gateway.errors import InvalidQuery
from gateway.records.model import ConsentFilter, StoredConsent
from gateway.records.store import RecordStore
from tests.conftest import Database
from tests.support.records import CHOICES, KEY, OTHER_KEY, T0, consent, day, new, open_store

ACTIONS = ("accept_all", "reject_all", "custom", "withdraw", "accept_all")


def data_set() -> list[ConsentRecord]:
    """90 records over three days, two keys, two origins, all four actions; several share a
    received time, so the record id must break ties."""
    out = []
    for n in range(90):
        key = OTHER_KEY if n % 3 == 0 else KEY
        out.append(
            consent(
                n,
                at=T0 + timedelta(hours=n // 2),
                action=ACTIONS[n % 5],
                public_key=key,
                origin="https://shop.example" if n % 4 else "https://blog.example",
            )
        )
    return out


async def walk(store: RecordStore, where: ConsentFilter, limit: int) -> list[StoredConsent]:
    seen: list[StoredConsent] = []
    after = None
    while True:
        page = await store.list_consents(where, after=after, limit=limit)
        assert len(page.items) <= limit
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        assert len(page.items) == limit
        after = page.next_cursor


def newest_first(records: list[ConsentRecord]) -> list[str]:
    return [r.record_id for r in sorted(records, key=lambda r: (r.received_at, r.record_id))][::-1]


FILTERS = [
    (ConsentFilter(), lambda r: True),
    (ConsentFilter(public_key=KEY), lambda r: r.public_key == KEY),
    (ConsentFilter(action="custom"), lambda r: r.action == "custom"),
    (ConsentFilter(category="analytics"), lambda r: r.categories["analytics"]),
    (
        ConsentFilter(category="marketing", public_key=OTHER_KEY),
        lambda r: r.categories["marketing"] and r.public_key == OTHER_KEY,
    ),
    (ConsentFilter(origin="https://blog.example"), lambda r: r.origin == "https://blog.example"),
    (
        ConsentFilter(since=T0 + timedelta(hours=10), until=T0 + timedelta(hours=30)),
        lambda r: "2025-03-01T20:00" <= r.received_at < "2025-03-02T16:00",
    ),
]


def test_filters_and_cursor_pages_walk_every_record_once(database: Database) -> None:
    records = data_set()

    async def scenario() -> None:
        async with open_store(database.url) as store:
            await store.add_consents([new(r) for r in records])
            for where, keep in FILTERS:
                expected = newest_first([r for r in records if keep(r)])
                assert expected, where
                for limit in (1, 7, 500):
                    got = [c.record_id for c in await walk(store, where, limit)]
                    assert got == expected, (where, limit)

    database.run(scenario())


def test_records_arriving_between_pages_neither_repeat_nor_hide_others(
    database: Database,
) -> None:
    records = data_set()

    async def scenario() -> None:
        async with open_store(database.url) as store:
            await store.add_consents([new(r) for r in records[:60]])
            first = await store.list_consents(limit=25)
            # Newer records arrive meanwhile; the walk goes on where it was.
            await store.add_consents([new(r) for r in records[60:]])
            rest: list[StoredConsent] = []
            after = first.next_cursor
            while after is not None:
                page = await store.list_consents(after=after, limit=25)
                rest.extend(page.items)
                after = page.next_cursor
            got = [c.record_id for c in (*first.items, *rest)]
            assert got == newest_first(records[:60])

    database.run(scenario())


def test_a_cursor_from_elsewhere_is_refused(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            await store.add_consents([new(consent(n)) for n in range(3)])
            await store.add_rights([])
            page = await store.list_consents(limit=1)
            assert page.next_cursor is not None
            for bad in ("garbage!", "eyJ4IjoxfQ", "x" * 500):
                with pytest.raises(InvalidQuery):
                    await store.list_consents(after=bad)
            with pytest.raises(InvalidQuery):
                await store.list_rights(after=page.next_cursor)
            with pytest.raises(InvalidQuery):
                await store.list_consents(limit=0)

    database.run(scenario())


def test_a_consent_proof_is_the_history_of_one_visitor(database: Database) -> None:
    visitor = "visitor-ada-0001"
    history = [
        consent(1, consent_id=visitor, action="accept_all"),
        consent(2, consent_id="someone-else-01"),
        consent(3, consent_id=visitor, action="withdraw"),
    ]

    async def scenario() -> None:
        async with open_store(database.url) as store:
            await store.add_consents([new(r, receipt="r") for r in reversed(history)])
            proof = await store.consent_proof(visitor)
            assert [(p.action, p.categories) for p in proof] == [
                ("accept_all", CHOICES["accept_all"]),
                ("withdraw", CHOICES["withdraw"]),
            ]
            assert proof[0].received_at == T0 + timedelta(minutes=1)
            assert proof[0].ip_truncated == "203.0.113.0" and proof[0].receipt == "r"
            assert await store.consent_proof(visitor, public_key=OTHER_KEY) == ()

    database.run(scenario())


def test_statistics_per_day_and_key_on_a_known_data_set(database: Database) -> None:
    # Day 0, KEY: 3 accept all, 2 reject all, 1 custom (analytics only); day 1, KEY: 1 withdraw;
    # day 0, OTHER_KEY: 2 accept all. Sent in three batches, one record twice.
    plan = [(0, KEY, a) for a in ["accept_all"] * 3 + ["reject_all"] * 2 + ["custom"]]
    plan += [(1, KEY, "withdraw"), (0, OTHER_KEY, "accept_all"), (0, OTHER_KEY, "accept_all")]
    records = [
        consent(n, at=T0 + timedelta(days=d, minutes=n), public_key=k, action=a)
        for n, (d, k, a) in enumerate(plan)
    ]

    async def scenario() -> None:
        async with open_store(database.url) as store:
            await store.add_consents([new(r) for r in records[:4]])
            await store.add_consents([new(r) for r in records[3:7]])
            await store.add_consents([new(r) for r in records[7:]])
            stats = await store.stats(day(0), day(29))
            by = {(s.day, s.public_key): s for s in stats}
            assert list(by) == [(day(0), KEY), (day(0), OTHER_KEY), (day(1), KEY)]
            first = by[(day(0), KEY)]
            assert (first.records, first.accept_all, first.reject_all, first.custom) == (6, 3, 2, 1)
            assert first.withdraw == 0
            assert first.categories["analytics"].opt_in_rate == pytest.approx(4 / 6)
            assert first.categories["marketing"].opt_in_rate == pytest.approx(3 / 6)
            assert first.categories["necessary"].opt_in_rate == 1.0
            later = by[(day(1), KEY)]
            assert (later.records, later.withdraw) == (1, 1)
            assert later.categories["analytics"].granted == 0
            assert by[(day(0), OTHER_KEY)].accept_all == 2
            only = await store.stats(day(0), day(0), public_key=OTHER_KEY)
            assert [(s.public_key, s.records) for s in only] == [(OTHER_KEY, 2)]
            assert await store.stats(day(2), day(9)) == []
            assert [s.records for s in await store.stats(day(0), day(1), account="acct-1")] == [
                6,
                2,
                1,
            ]

    database.run(scenario())
