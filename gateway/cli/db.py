"""``widget-gateway db upgrade|current|import-jsonl``: the records store's database.

Works on ``GATEWAY_DATABASE_URL`` (or the embedded default's ``records.db`` in the data folder).
The gateway migrates at start too; ``db upgrade`` lets a deployment migrate once, before rolling
out new instances. Output never shows the database password.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gateway.db import migrate
from gateway.db.engine import create_engine, records_url, safe_label
from gateway.errors import GatewayError
from gateway.records.importer import import_jsonl
from gateway.records.store import RecordStore
from gateway.settings import Settings


class DatabaseCommandError(GatewayError):
    code = "database_command_failed"
    title = "Database command failed"


def add_parser(subparsers: Any) -> None:
    """Register ``db`` on the ``widget-gateway`` command line."""
    db = subparsers.add_parser("db", help="the records database: migrate, import")
    sub = db.add_subparsers(dest="db_cmd", required=True)
    up = sub.add_parser("upgrade", help="migrate the database to the newest schema")
    up.add_argument("--revision", default=migrate.HEAD, help="target revision (default: newest)")
    up.set_defaults(run=cmd_upgrade)
    sub.add_parser("current", help="the schema revision the database is at").set_defaults(
        run=cmd_current
    )
    imp = sub.add_parser("import-jsonl", help="store the records of a JSON-lines sink file")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.set_defaults(run=cmd_import)


def database_url(settings: Settings) -> str:
    url = records_url(settings)
    if url is None:
        raise DatabaseCommandError("no database: set GATEWAY_DATABASE_URL")
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return url


async def cmd_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    url = database_url(settings)
    await migrate.upgrade(url, args.revision)
    print(f"{safe_label(url)}: at revision {await migrate.current(url)}")
    return 0


async def cmd_current(args: argparse.Namespace, settings: Settings) -> int:
    url = database_url(settings)
    print(await migrate.current(url) or "(empty: never migrated)")
    return 0


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.file
    if not path.is_file():
        raise DatabaseCommandError(f"{path}: no such file")
    url = database_url(settings)
    await migrate.upgrade(url)
    engine = create_engine(url)
    try:
        result = await import_jsonl(RecordStore(engine), path)
    finally:
        await engine.dispose()
    print(f"{path.name}: {result.summary()}", file=sys.stdout)
    return 0 if result.skipped == 0 else 1
