"""Each key's last scan report, kept in the gateway's database (the records store's).

``widget-gateway scan URL --key PK`` saves its report here for that key, replacing the one before;
the owner's console reads it back (``GET /console/api/accounts/{account}/keys/{pk}/scan``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.scanner.tables import scan_reports


@dataclass(frozen=True)
class StoredScan:
    """A key's last scan: whose, of which site, when, clean or not, and the report's JSON."""

    public_key: str
    account: str
    site: str
    scanned_at: datetime
    clean: bool
    report: dict[str, Any]


class ScanReportStore:
    """The ``scan_reports`` table through an async engine (owned by the caller)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def save(self, public_key: str, account: str, report: dict[str, Any]) -> StoredScan:
        """Keep ``report`` (as :meth:`Report.to_json` makes it) as the key's last scan."""
        stored = StoredScan(
            public_key,
            account,
            str(report["site"]),
            datetime.strptime(str(report["scanned_at"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            bool(report["clean"]),
            report,
        )
        row = {
            "public_key": stored.public_key,
            "account": stored.account,
            "site": stored.site,
            "scanned_at": stored.scanned_at,
            "clean": stored.clean,
            "report": stored.report,
        }
        # Delete and insert in one transaction: the same on SQLite and PostgreSQL.
        async with self.engine.begin() as conn:
            await conn.execute(delete(scan_reports).where(scan_reports.c.public_key == public_key))
            await conn.execute(insert(scan_reports).values(**row))
        return stored

    async def last(self, public_key: str) -> StoredScan | None:
        """The key's last scan, or None when it was never scanned with ``--key``."""
        async with self.engine.connect() as conn:
            found = (
                await conn.execute(
                    select(scan_reports).where(scan_reports.c.public_key == public_key)
                )
            ).first()
        if found is None:
            return None
        m = found._mapping
        return StoredScan(
            m["public_key"], m["account"], m["site"], m["scanned_at"], m["clean"], m["report"]
        )
