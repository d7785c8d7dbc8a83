"""``widget-gateway scan URL``: which cookies and trackers a site sets before and after consent.

The scan is matched against a consent config: the config of a key read from the configured
store (``--key pk_…``, as ``keys show`` reads it), a config file (``--config file.json``), or
the default categories. Exit status: 0 clean, 1 something runs before consent or after a refusal,
2 a usage error or a scan that could not run. The last report is kept in the data folder
(``scan-report.json``); with ``--key``, it is also stored as that key's last report in the
gateway's database (``GATEWAY_DATABASE_URL``, or the embedded default's ``records.db``), where the
owner's console shows it (``--no-store`` leaves the database alone). docs/scanner.md has the
details.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gateway.cli.stores import open_key_store
from gateway.clock import system_clock
from gateway.consent.config import parse_config
from gateway.db.engine import create_engine, records_url
from gateway.db.migrate import upgrade
from gateway.errors import GatewayError, InvalidPayload
from gateway.keys import changes as key_admin
from gateway.scanner import report as scan_report
from gateway.scanner.crawl import Timing, origin_of
from gateway.scanner.model import ScanError
from gateway.scanner.phases import Options, scan
from gateway.scanner.render import render
from gateway.scanner.store import ScanReportStore
from gateway.settings import Settings

MAX_PAGES = 200


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="list the cookies and trackers a site sets before consent and after a refusal",
        description="Scan a site in headless Chromium (the 'scan' extra) before any choice, "
        "after Reject all and after Accept all. Exit status: 0 clean, 1 something fires "
        "before consent or after a refusal, 2 usage error.",
    )
    p.add_argument("url", help="the start page, e.g. https://shop.example/")
    p.add_argument("--pages", type=int, default=10, help="pages to visit (default 10)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--key", metavar="PK", help="match against this key's consent config")
    source.add_argument(
        "--config", metavar="FILE", type=Path, help="match against a consent config in JSON"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--no-store",
        action="store_true",
        help="with --key: do not store the report as the key's last scan in the database",
    )
    p.add_argument("--browser", metavar="PATH", help="the Chromium to drive (default: on PATH)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds for a page to load")
    p.add_argument(
        "--wait", type=float, default=1.0, help="seconds to wait after a page went quiet"
    )
    p.set_defaults(run=cmd_scan)


def start_url(value: str) -> str:
    """The start page as the scan uses it: http(s), a host, no query string or fragment."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ScanError(f"not a web page address: {value!r} (give e.g. https://shop.example/)")
    return origin_of(value.strip()) + (parts.path or "/")


async def load_config(args: argparse.Namespace, settings: Settings) -> scan_report.ConfigUsed:
    if args.config is not None:
        try:
            raw = json.loads(args.config.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ScanError(f"cannot read the config file {args.config}: {exc}") from None
        if isinstance(raw, dict) and "consent_config" in raw:  # a key as `keys show --json` prints
            raw = raw["consent_config"]
        if raw is not None and not isinstance(raw, dict):
            raise ScanError(f"{args.config} holds no consent config object")
        return scan_report.ConfigUsed("file", _parsed(raw))
    if args.key is None:
        return scan_report.ConfigUsed("defaults", parse_config(None))
    key = await _read_key(settings, args.key)
    return scan_report.ConfigUsed(
        "key", _parsed(key.consent_config), key.public_key, account=key.account
    )


def _parsed(raw: dict[str, Any] | None) -> Any:
    try:
        return parse_config(raw)
    except InvalidPayload as exc:
        lines = [exc.detail, *(f"  {e['field']}: {e['message']}" for e in exc.errors)]
        raise ScanError("\n".join(lines)) from None


async def _read_key(settings: Settings, public_key: str) -> Any:
    async with open_key_store(settings) as (store, _client):
        try:
            return await key_admin.load_key(store, public_key)
        except GatewayError as exc:
            raise ScanError(f"{exc.detail} [{exc.code}]") from None


async def cmd_scan(args: argparse.Namespace, settings: Settings) -> int:
    url = start_url(args.url)
    if not 1 <= args.pages <= MAX_PAGES:
        raise ScanError(f"--pages must be from 1 to {MAX_PAGES}")
    if args.timeout <= 0 or args.wait < 0:
        raise ScanError("--timeout must be above 0 and --wait at least 0")
    used = await load_config(args, settings)
    database = records_url(settings) if used.public_key and not args.no_store else None
    timing = Timing(timeout=args.timeout, idle=min(5.0, args.timeout), wait=args.wait)
    observations = await scan(url, Options(args.pages, timing, args.browser))
    report = scan_report.build(observations, used, system_clock())
    saved = scan_report.save(report, settings.data_dir)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        sys.stdout.write(render(report))
        print(f"Report saved to {saved}.", file=sys.stderr)
    if database is not None and used.public_key and used.account:
        await store_for_key(database, used.public_key, used.account, report.to_json())
        print("Report stored as the key's last scan, shown in the console.", file=sys.stderr)
    elif used.public_key and not args.no_store:
        print(
            "No database (GATEWAY_DATABASE_URL): the report is not stored for the key.",
            file=sys.stderr,
        )
    return 0 if report.clean else 1


async def store_for_key(url: str, public_key: str, account: str, report: dict[str, Any]) -> None:
    """The report as the key's last scan, in the gateway's database (migrated first, as the
    gateway itself migrates it at start)."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        await ScanReportStore(engine).save(public_key, account, report)
    finally:
        await engine.dispose()
