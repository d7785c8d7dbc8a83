"""The records store at scale: one million consent records in PostgreSQL, then the queries the
site-owner side runs most, timed.

    .venv/bin/python -m bench.records_scale [--records 1000000] [--url postgresql://…]

Without ``--url`` a private PostgreSQL is started in a temp folder (``initdb``/``pg_ctl``, as the
tests do) and removed afterwards. Records are loaded through the store's own write path
(``RecordStore.add_consents``: multi-row ``INSERT … ON CONFLICT DO NOTHING`` with the daily
rollups updated in the same transaction), 60 days of them over 50 keys of 10 accounts. Each query
is run once to warm up, then timed ``--repeat`` times; the median and the slowest are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from gateway.consent.records import ConsentRecord
from gateway.db.engine import create_engine
from gateway.db.migrate import upgrade
from gateway.records.model import ConsentFilter
from gateway.records.store import NewConsent, RecordStore

KEYS = [f"pk_bench{n:02d}" + "a" * 30 for n in range(50)]
DAYS = 60
START = datetime(2025, 1, 1, tzinfo=UTC)
ACTIONS = ["accept_all"] * 5 + ["reject_all"] * 3 + ["custom"] * 2 + ["withdraw"]
CATEGORIES = ("necessary", "functional", "analytics", "marketing")
BATCH = 2000


def make_record(n: int, rand: random.Random) -> ConsentRecord:
    key_index = rand.randrange(len(KEYS))
    action = rand.choice(ACTIONS)
    if action == "accept_all":
        chosen = dict.fromkeys(CATEGORIES, True)
    elif action == "custom":
        chosen = {c: c == "necessary" or rand.random() < 0.5 for c in CATEGORIES}
    else:
        chosen = {c: c == "necessary" for c in CATEGORIES}
    at = START + timedelta(seconds=n * DAYS * 86400 / ARGS.records)
    return ConsentRecord(
        record_id=f"cr_{int(at.timestamp() * 1000):012x}{n:016x}",
        consent_id=f"visitor{rand.randrange(ARGS.records // 2):012d}",
        action=action,
        categories=chosen,
        services={"matomo": chosen["analytics"]},
        policy_version="3",
        language="en",
        gpc=rand.random() < 0.05,
        page_url=f"https://site{key_index}.example/page/{n % 100}",
        given_at=None,
        public_key=KEYS[key_index],
        account=f"acct-{key_index % 10}",
        origin=f"https://site{key_index}.example",
        received_at=at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        client_ip="203.0.113.0",
        user_agent="Mozilla/5.0 (bench)",
    )


async def load(store: RecordStore, total: int) -> float:
    rand = random.Random(42)
    start = time.perf_counter()
    for offset in range(0, total, BATCH):
        batch = [
            NewConsent(make_record(n, rand)) for n in range(offset, min(total, offset + BATCH))
        ]
        await store.add_consents(batch)
        if offset and offset % 100_000 == 0:
            print(f"  {offset:,} records, {offset / (time.perf_counter() - start):,.0f}/s")
    return time.perf_counter() - start


async def timed(label: str, repeat: int, query: Callable[[], Awaitable[Any]]) -> None:
    await query()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await query()
        times.append((time.perf_counter() - start) * 1000)
    print(f"  {label:<52} median {statistics.median(times):7.2f} ms   max {max(times):7.2f} ms")


async def measure(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url, pool_size=2)
    store = RecordStore(engine)
    try:
        have = await store.count_consents()
        if have < ARGS.records:
            print(f"loading {ARGS.records:,} consent records…")
            seconds = await load(store, ARGS.records)
            print(f"  loaded in {seconds:.0f} s ({ARGS.records / seconds:,.0f} records/s)")
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE"))
        else:
            print(f"{have:,} records already there")
        key = KEYS[7]
        end = START + timedelta(days=DAYS)
        last_30 = (end.date() - timedelta(days=30), end.date() - timedelta(days=1))
        middle = ConsentFilter(public_key=key, until=START + timedelta(days=DAYS // 2))
        proof_id = (await store.list_consents(ConsentFilter(public_key=key), limit=1)).items[0]
        repeat = ARGS.repeat
        print(f"queries on {await store.count_consents():,} records (50 rows a page):")
        await timed("log page, newest, all keys", repeat, lambda: store.list_consents(limit=50))
        await timed(
            "log page, newest, one key",
            repeat,
            lambda: store.list_consents(ConsentFilter(public_key=key), limit=50),
        )
        await timed(
            "log page, one key, 30 days back", repeat, lambda: store.list_consents(middle, limit=50)
        )
        await timed(
            "log page, one key, action=custom",
            repeat,
            lambda: store.list_consents(ConsentFilter(public_key=key, action="custom"), limit=50),
        )
        await timed(
            "log page, one key, category=marketing",
            repeat,
            lambda: store.list_consents(
                ConsentFilter(public_key=key, category="marketing"), limit=50
            ),
        )
        page = await store.list_consents(ConsentFilter(public_key=key), limit=50)
        await timed(
            "log page, one key, next page by cursor",
            repeat,
            lambda: store.list_consents(
                ConsentFilter(public_key=key), after=page.next_cursor, limit=50
            ),
        )
        await timed(
            "consent-id lookup (proof)", repeat, lambda: store.consent_proof(proof_id.consent_id)
        )
        await timed("30-day stats, one key", repeat, lambda: store.stats(*last_30, public_key=key))
        await timed(
            "30-day stats, one account (5 keys)",
            repeat,
            lambda: store.stats(*last_30, account="acct-7"),
        )
        await timed("30-day stats, every key", repeat, lambda: store.stats(*last_30))
    finally:
        await engine.dispose()


def main() -> int:
    if ARGS.url:
        asyncio.run(measure(ARGS.url))
        return 0
    from tests.support.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        asyncio.run(measure(server.create_database("bench")))
    finally:
        server.close()
    return 0


parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--records", type=int, default=1_000_000)
parser.add_argument("--url", help="a PostgreSQL to load into (default: a private one)")
parser.add_argument("--repeat", type=int, default=20)
ARGS = parser.parse_args(sys.argv[1:]) if __name__ == "__main__" else parser.parse_args([])

if __name__ == "__main__":
    sys.exit(main())
