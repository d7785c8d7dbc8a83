"""The outbox under several instances: a due delivery is leased to one worker at a time, a
lease that runs out gives it to another, and a lost lease records nothing."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from gateway.db.engine import create_engine
from gateway.db.migrate import upgrade
from gateway.webhooks import leases
from gateway.webhooks.dispatcher import RetryPolicy
from gateway.webhooks.model import Event
from gateway.webhooks.outbox import emit, lock_for_writing
from gateway.webhooks.store import WebhookStore
from tests.conftest import Database

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def queued(store: WebhookStore, count: int) -> str:
    endpoint = await store.create("acct-1", "https://hooks.example/in", ["key.exposed"], "", True)
    events = [Event("key.exposed", "acct-1", {"n": n}, T0) for n in range(count)]
    async with store.writing() as conn:
        await lock_for_writing(conn)
        assert len(await emit(conn, events)) == count
    return endpoint.id


def test_instances_claiming_at_once_never_share_a_delivery(database: Database) -> None:
    async def scenario() -> None:
        await upgrade(database.url)
        clock = Clock()
        engines = [create_engine(database.url) for _ in range(3)]
        try:
            stores = [WebhookStore(engine, clock) for engine in engines]
            await queued(stores[0], 60)

            # Three instances, each claiming in rounds of 7 until nothing is left.
            async def drain(store: WebhookStore) -> list[str]:
                taken: list[str] = []
                while batch := await leases.claim(store, 7, lease=60):
                    taken += [c.id for c in batch]
                return taken

            rounds = await asyncio.gather(*(drain(store) for store in stores))
            every = [d for taken in rounds for d in taken]
            assert len(every) == 60 and len(set(every)) == 60
            # Nothing is due while the leases hold...
            assert await leases.claim(stores[0], 100, lease=60) == []
            # ...and everything once they ran out (the instances died mid-attempt).
            clock.now = T0 + timedelta(seconds=61)
            assert len(await leases.claim(stores[1], 100, lease=60)) == 60
        finally:
            for engine in engines:
                await engine.dispose()

    database.run(scenario())


def test_a_worker_whose_lease_ran_out_records_nothing(database: Database) -> None:
    async def scenario() -> None:
        await upgrade(database.url)
        clock = Clock()
        engine = create_engine(database.url)
        try:
            store = WebhookStore(engine, clock)
            endpoint = await queued(store, 1)
            [slow] = await leases.claim(store, 1, lease=10)
            clock.now = T0 + timedelta(seconds=11)
            [fast] = await leases.claim(store, 1, lease=10)
            assert fast.id == slow.id and fast.lease != slow.lease
            ok = leases.Result("delivered", 12, 204)
            settle = {"started": clock.now, "max_attempts": 3, "delay": 1.0}
            assert await leases.settle(store, fast, ok, **settle) == "delivered"  # type: ignore[arg-type]
            late = leases.Result("retry", 9000, None, "timeout")
            assert await leases.settle(store, slow, late, **settle) is None  # type: ignore[arg-type]
            page = await store.deliveries("acct-1", endpoint)
            [delivery] = page.items
            assert delivery.status == "delivered"
            assert [a.outcome for a in delivery.history] == ["delivered"]
        finally:
            await engine.dispose()

    database.run(scenario())


def test_backoff_grows_to_its_cap_with_jitter_in_the_upper_half() -> None:
    policy = RetryPolicy(backoff=30.0, backoff_max=21_600.0)
    rand = random.Random(7)
    for failures, ceiling in [(1, 30), (2, 60), (3, 120), (6, 960), (10, 15_360), (11, 21_600)]:
        delays = [policy.delay(failures, rand) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), failures
        assert max(delays) - min(delays) > ceiling / 4  # spread out, not in lockstep
