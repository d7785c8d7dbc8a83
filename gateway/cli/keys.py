"""``widget-gateway keys …``: the admin API's operations from a shell, each with ``--json``.

Commands work against the configured store (the data folder, or Redis), go through the same
validation and :mod:`gateway.keys.changes` functions as the admin API, and are audited with the
actor ``cli:<user>``. Validation problems print one line per rule broken, with its stable code,
and exit with status 2.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from gateway.cli.failure import CommandError
from gateway.cli.stores import open_key_store
from gateway.clock import system_clock
from gateway.errors import GatewayError
from gateway.keys import changes as key_admin
from gateway.keys.audit import AuditLog, open_audit_log
from gateway.keys.model import SCOPES, ApiKey
from gateway.keys.store import KeyStore
from gateway.keys.validation import validate_create, validate_update
from gateway.settings import Settings

T = TypeVar("T")

Run = Callable[[KeyStore, AuditLog], Awaitable[int]]


class KeyCommandError(CommandError):
    """A problem to report (one or more lines), with exit status 2."""


def add_parser(sub: Any) -> Any:
    """Add ``keys …``; returns its subcommands, for commands defined elsewhere."""
    keys = sub.add_parser("keys", help="manage keys").add_subparsers(dest="keys_cmd", required=True)

    def command(
        name: str, fn: Callable[..., Awaitable[int]], text: str, with_key: bool = True
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = keys.add_parser(name, help=text)
        if with_key:
            p.add_argument("public_key")
        p.add_argument("--json", action="store_true", help="print JSON for scripts")
        p.set_defaults(run=fn)
        return p

    create = command("create", cmd_create, "create a key; prints the private key once", False)
    create.add_argument("--account", required=True)
    create.add_argument("--name", required=True)
    _settings_options(create)

    listing = command("list", cmd_list, "list keys", False)
    listing.add_argument("--account")

    command("show", cmd_show, "show one key")
    update = command("update", cmd_update, "change a key's settings")
    update.add_argument("--name")
    update.add_argument("--clear-origins", action="store_true", help="allow no origin at all")
    update.add_argument("--clear-redirect-uris", action="store_true")
    _settings_options(update)

    roll = command("roll", cmd_roll, "issue a new private key; the old one stays valid a while")
    roll.add_argument(
        "--grace-seconds",
        type=float,
        default=None,
        help="how long the old private key stays valid (default: the setting)",
    )
    command("revoke", cmd_revoke, "revoke a key on every gateway instance")
    command("audit", cmd_audit, "show a key's audit trail")
    return keys


def _settings_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--origin",
        action="append",
        metavar="URL",
        help="allowed origin (repeat; replaces the list on update)",
    )
    p.add_argument(
        "--redirect-uri",
        action="append",
        metavar="URL",
        help="redirect URL (repeat; replaces the list on update)",
    )
    p.add_argument(
        "--widget",
        action="append",
        choices=("consent", "rights"),
        help="enabled widget (repeat; default both)",
    )
    p.add_argument(
        "--scope",
        action="append",
        choices=SCOPES,
        help="scope API clients of this key may get (repeat; default all; replaces on update)",
    )
    p.add_argument(
        "--limit",
        action="append",
        metavar="NAME=LIMIT",
        help='per-key limit override, e.g. per_key=1000/minute ("NAME=" removes it)',
    )


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _payload(args: argparse.Namespace) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if getattr(args, "name", None) is not None:
        payload["name"] = args.name
    if args.origin is not None or getattr(args, "clear_origins", False):
        payload["origins"] = args.origin or []
    if args.redirect_uri is not None or getattr(args, "clear_redirect_uris", False):
        payload["redirect_uris"] = args.redirect_uri or []
    if args.widget is not None:
        payload["widgets"] = args.widget
    if args.scope is not None:
        payload["scopes"] = args.scope
    if args.limit is not None:
        limits: dict[str, Any] = {}
        for item in args.limit:
            name, sep, value = item.partition("=")
            if not sep:
                raise KeyCommandError("--limit takes NAME=LIMIT, e.g. per_key=1000/minute")
            limits[name.strip()] = value.strip() or None
        payload["limits"] = limits
    return payload


async def _run(settings: Settings, fn: Run) -> int:
    async with open_key_store(settings) as (store, client):
        try:
            return await fn(store, open_audit_log(settings, client))
        except GatewayError as exc:
            raise KeyCommandError(describe_problem(exc)) from None


def describe_problem(exc: GatewayError) -> str:
    """The problem as an owner reads it: the detail, then each rule broken with its code."""
    lines = [f"{exc.detail} [{exc.code}]"]
    for item in exc.extra.get("errors", []):
        where = f"{item['field']}: " if item.get("field") else ""
        lines.append(f"  {where}{item['message']} [{item.get('code', exc.code)}]")
    return "\n".join(lines)


def print_key(key: ApiKey, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    view: dict[str, Any] = {**key.public_view(), **(extra or {})}
    if as_json:
        print(json.dumps(view))
        return
    for name in (
        "public_key",
        "account",
        "name",
        "status",
        "origins",
        "redirect_uris",
        "widgets",
        "limits",
        "scopes",
        "exposed",
    ):
        value = view[name]
        if isinstance(value, list):
            value = " ".join(value)
        elif isinstance(value, dict):
            value = " ".join(f"{k}={v}" for k, v in value.items())
        print(f"{name + ':':15} {value}")


def _secret_notice(private_key: str, as_json: bool) -> None:
    if not as_json:
        print(f"private key: {private_key}")
        print(
            "The private key is shown only this once. Store it now; it cannot be recovered.",
            file=sys.stderr,
        )


async def cmd_create(args: argparse.Namespace, settings: Settings) -> int:
    payload = {
        "account": args.account,
        "name": args.name,
        "origins": args.origin or [],
        **{k: v for k, v in _payload(args).items() if k != "origins"},
    }

    async def run(store: KeyStore, audit: AuditLog) -> int:
        account, fields = validate_create(payload)
        new = await key_admin.create(store, audit, account, fields, actor(), system_clock())
        print_key(new.key, args.json, {"private_key": new.private_key} if args.json else None)
        _secret_notice(new.private_key, args.json)
        return 0

    return await _run(settings, run)


async def every_page(
    fetch: Callable[[str | None], Awaitable[tuple[list[T], str | None]]],
) -> list[T]:
    """Everything a cursor-paginated ``fetch`` holds, page after page."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        page, cursor = await fetch(cursor)
        items.extend(page)
        if cursor is None:
            return items


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async def run(store: KeyStore, audit: AuditLog) -> int:
        keys = await every_page(lambda cursor: store.list(args.account, cursor, 200))
        if args.json:
            print(json.dumps([k.public_view() for k in keys]))
        for k in keys if not args.json else ():
            flag = "  EXPOSED" if k.exposed_at is not None else ""
            print(
                f"{k.public_key}  {k.status:8}  {k.account}  {k.name}  {' '.join(k.origins)}{flag}"
            )
        return 0

    return await _run(settings, run)


async def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    async def run(store: KeyStore, audit: AuditLog) -> int:
        print_key(await key_admin.load_key(store, args.public_key), args.json)
        return 0

    return await _run(settings, run)


async def cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    payload = _payload(args)

    async def run(store: KeyStore, audit: AuditLog) -> int:
        key = await key_admin.load_key(store, args.public_key)
        fields = validate_update(payload)
        print_key(
            await key_admin.update(store, audit, key, fields, actor(), system_clock()), args.json
        )
        return 0

    return await _run(settings, run)


async def cmd_roll(args: argparse.Namespace, settings: Settings) -> int:
    grace = settings.roll_grace_seconds if args.grace_seconds is None else args.grace_seconds
    if not 0 <= grace <= 30 * 86_400:
        raise KeyCommandError("--grace-seconds must be from 0 to 2592000 (30 days)")

    async def run(store: KeyStore, audit: AuditLog) -> int:
        key = await key_admin.load_key(store, args.public_key)
        now = system_clock()
        new = await key_admin.roll(store, audit, key, grace, actor(), now)
        expires = now + grace
        print_key(
            new.key,
            args.json,
            {"private_key": new.private_key, "previous_private_key_expires_at": expires}
            if args.json
            else None,
        )
        _secret_notice(new.private_key, args.json)
        if not args.json:
            print(
                f"The previous private key stays valid until "
                f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(expires))}."
            )
        return 0

    return await _run(settings, run)


async def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    async def run(store: KeyStore, audit: AuditLog) -> int:
        key = await key_admin.load_key(store, args.public_key)
        print_key(await key_admin.revoke(store, audit, key, actor(), system_clock()), args.json)
        return 0

    return await _run(settings, run)


async def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    async def run(store: KeyStore, audit: AuditLog) -> int:
        key = await key_admin.load_key(store, args.public_key)
        events = await every_page(lambda cursor: audit.read(key.public_key, cursor, 500))
        if args.json:
            print(json.dumps([e.to_json() for e in events]))
            return 0
        for e in events:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e.at))
            changed = ", ".join(e.changes) if e.changes else ""
            print(f"{when}Z  {e.action:8}  {e.actor}  {changed}")
        return 0

    return await _run(settings, run)
