"""The scanner's table, declared on the shared :data:`~gateway.db.metadata.metadata`.

``scan_reports``: the last report of ``widget-gateway scan --key PK`` for each key, as its JSON
(``docs/schemas/scan-report.schema.json``), with the account it belongs to, when it was scanned
and whether it was clean, so the owner's console can show it. A newer scan replaces the row.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, String, Table, Text

from gateway.db.metadata import Json, UtcDateTime, metadata

scan_reports = Table(
    "scan_reports",
    metadata,
    Column("public_key", String(64), primary_key=True),
    Column("account", String(128), nullable=False),
    Column("site", Text, nullable=False),
    Column("scanned_at", UtcDateTime(), nullable=False),
    Column("clean", Boolean, nullable=False),
    Column("report", Json, nullable=False),
    Index(None, "account", "scanned_at"),
)
