"""Each key's last scan report in the gateway's database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.db.engine import create_engine
from gateway.db.migrate import upgrade
from gateway.scanner.store import ScanReportStore
from tests.conftest import Database
from tests.scanner.samples import SCANNED_AT, leaky_report


def test_a_newer_scan_replaces_the_keys_last_report(database: Database) -> None:
    async def scenario() -> None:
        await upgrade(database.url)
        engine = create_engine(database.url)
        try:
            store = ScanReportStore(engine)
            assert await store.last("pk_never") is None
            await store.save("pk_shop", "acct-1", leaky_report("pk_shop"))
            await store.save("pk_blog", "acct-1", leaky_report("pk_blog", leaks=False))
            first = await store.last("pk_shop")
            assert first is not None
            assert (first.account, first.site, first.clean) == (
                "acct-1",
                "https://shop.example",
                False,
            )
            assert first.scanned_at == datetime.fromtimestamp(SCANNED_AT, UTC)
            assert [i["name"] for i in first.report["fires_before_consent"]] == ["_ga"]

            later = leaky_report("pk_shop", SCANNED_AT + 86400, leaks=False)
            await store.save("pk_shop", "acct-1", later)
            now = await store.last("pk_shop")
            assert now is not None
            assert now.clean is True and now.report == later
            assert now.scanned_at == datetime.fromtimestamp(SCANNED_AT + 86400, UTC)
            blog = await store.last("pk_blog")
            assert blog is not None and blog.public_key == "pk_blog"
        finally:
            await engine.dispose()

    database.run(scenario())
