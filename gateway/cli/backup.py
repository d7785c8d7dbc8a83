"""``widget-gateway keys export`` / ``keys import``: keys as one JSON document.

For backups, and for moving the embedded default's file store to Redis: export with the data
folder configured, import with ``GATEWAY_REDIS_URL`` set. A key record holds only the digests of
its private keys, never a private key in clear, so the export holds none either (it still tells
which origins each account allows: keep it as you keep the store).

Import refuses the whole file when any key in it already exists in the target store, unless
``--replace``; every key written is recorded in its audit trail as ``imported``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gateway.cli.keys import KeyCommandError, _run, actor, every_page
from gateway.clock import system_clock
from gateway.keys.audit import AuditEvent, AuditLog
from gateway.keys.model import ApiKey
from gateway.keys.store import KeyStore
from gateway.settings import Settings

FORMAT = "widget-gateway-keys"
VERSION = 1


def add_parsers(keys: Any) -> None:
    export = keys.add_parser("export", help="write every key (digests only) as JSON")
    export.add_argument("--output", "-o", type=Path, help="a file (default: standard output)")
    export.set_defaults(run=cmd_export)
    imported = keys.add_parser("import", help="read keys written by `keys export`")
    imported.add_argument("file", type=Path)
    imported.add_argument(
        "--replace", action="store_true", help="overwrite keys that already exist"
    )
    imported.set_defaults(run=cmd_import)


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    async def run(store: KeyStore, audit: AuditLog) -> int:
        keys = await every_page(lambda cursor: store.list(None, cursor, 500))
        document = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": system_clock(),
            "keys": [key.to_json() for key in keys],
        }
        text = json.dumps(document, indent=1, sort_keys=True) + "\n"
        if args.output is None:
            sys.stdout.write(text)
        else:
            args.output.write_text(text)
            args.output.chmod(0o600)
            print(f"exported {len(keys)} keys to {args.output}", file=sys.stderr)
        return 0

    return await _run(settings, run)


def read_export(path: Path) -> list[ApiKey]:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeyCommandError(f"{path}: not a readable JSON file ({type(exc).__name__})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyCommandError(f"{path}: not a file written by `widget-gateway keys export`")
    if document.get("version") != VERSION:
        raise KeyCommandError(f"{path}: export version {document.get('version')} is unknown")
    try:
        return [ApiKey.from_json(item) for item in document["keys"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyCommandError(f"{path}: a key record is malformed ({type(exc).__name__})") from None


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    keys = read_export(args.file)

    async def run(store: KeyStore, audit: AuditLog) -> int:
        existing = [key.public_key for key in keys if await store.get(key.public_key) is not None]
        if existing and not args.replace:
            raise KeyCommandError(
                f"{len(existing)} of these keys already exist (first: {existing[0]}); "
                "nothing imported. Use --replace to overwrite them."
            )
        who = actor()
        for key in keys:
            await store.put(key)
            await audit.record(
                AuditEvent(system_clock(), key.public_key, key.account, "imported", who)
            )
        replaced = f", {len(existing)} replaced" if existing else ""
        print(f"imported {len(keys)} keys{replaced}", file=sys.stderr)
        return 0

    return await _run(settings, run)
