"""The ``widget-gateway`` command line: run the gateway, manage keys.

Every command reads the same ``GATEWAY_*`` settings as the gateway and works against the
configured store (the data folder, or Redis), so a key created here is live at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from gateway import cli_outbox
from gateway.errors import GatewayError
from gateway.keys import PUBLIC_PREFIX, ApiKey, create_key, is_well_formed, revoke_key
from gateway.keystore import FileKeyStore, KeyStore
from gateway.keystore_redis import RedisKeyStore
from gateway.origins import InvalidOrigin, parse_rule
from gateway.settings import Settings, SettingsError

Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


class CliError(Exception):
    """A problem to report in one line, with exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="widget-gateway", description="Gateway for the consent and rights widgets."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=None)

    keys = sub.add_parser("keys", help="manage keys").add_subparsers(dest="keys_cmd", required=True)
    create = keys.add_parser("create", help="create a key; prints the private key once")
    create.add_argument("--account", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--origin", action="append", default=[], metavar="URL")
    create.add_argument("--redirect-uri", action="append", default=[], metavar="URL")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.set_defaults(run=cmd_keys_create)

    listing = keys.add_parser("list", help="list keys")
    listing.add_argument("--account")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_keys_list)

    for name, fn, text in (("show", cmd_keys_show, "show one key"),
                           ("revoke", cmd_keys_revoke, "revoke a key everywhere")):
        p = keys.add_parser(name, help=text)
        p.add_argument("public_key")
        p.add_argument("--json", action="store_true")
        p.set_defaults(run=fn)

    cli_outbox.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
        if args.run is None:
            return serve(args, settings)
        return int(asyncio.run(args.run(args, settings)))
    except SettingsError as exc:
        print(f"widget-gateway: configuration error: {exc}", file=sys.stderr)
        return 2
    except (CliError, GatewayError) as exc:
        print(f"widget-gateway: {exc}", file=sys.stderr)
        return 2


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    mode = "Redis" if settings.redis_url else f"embedded default (data in {settings.data_dir}/)"
    print(f"widget-gateway: serving on http://{args.host}:{args.port} — {mode}", file=sys.stderr)
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        proxy_headers=False,  # the gateway reads X-Forwarded-For itself, from trusted proxies only
        server_header=False,
    )
    return 0


def open_store(settings: Settings) -> tuple[KeyStore, Callable[[], Awaitable[None]]]:
    if settings.redis_url is None:
        store = FileKeyStore(settings.data_dir)
        return store, store.close
    from gateway import redis_client

    client = redis_client.connect(settings)
    return RedisKeyStore(client), client.aclose


async def with_store(settings: Settings, fn: Callable[[KeyStore], Awaitable[int]]) -> int:
    store, close = open_store(settings)
    try:
        return await fn(store)
    finally:
        await close()


def validate_origins(values: Sequence[str]) -> tuple[str, ...]:
    rules = []
    for value in values:
        try:
            rules.append(str(parse_rule(value)))
        except InvalidOrigin as exc:
            raise CliError(f"invalid origin {value[:100]!r}: {exc}") from None
    return tuple(dict.fromkeys(rules))


async def cmd_keys_create(args: argparse.Namespace, settings: Settings) -> int:
    origins = validate_origins(args.origin)
    new = create_key(args.account, args.name, origins, tuple(args.redirect_uri))

    async def run(store: KeyStore) -> int:
        await store.put(new.key)
        if args.json:
            print(json.dumps({**new.key.public_view(), "private_key": new.private_key}))
        else:
            print(f"public key:  {new.key.public_key}")
            print(f"private key: {new.private_key}")
            print("The private key is shown only this once. Store it now; it cannot be recovered.",
                  file=sys.stderr)
        return 0

    return await with_store(settings, run)


async def cmd_keys_list(args: argparse.Namespace, settings: Settings) -> int:
    async def run(store: KeyStore) -> int:
        keys: list[ApiKey] = []
        cursor: str | None = None
        while True:
            page, cursor = await store.list(args.account, cursor, 200)
            keys.extend(page)
            if cursor is None:
                break
        if args.json:
            print(json.dumps([k.public_view() for k in keys]))
        else:
            for k in keys:
                print(f"{k.public_key}  {k.status:8}  {k.account}  {k.name}  {' '.join(k.origins)}")
        return 0

    return await with_store(settings, run)


async def load(store: KeyStore, public_key: str) -> ApiKey:
    if not is_well_formed(public_key, PUBLIC_PREFIX):
        raise CliError("that is not a well-formed public key (pk_…)")
    key = await store.get(public_key)
    if key is None:
        raise CliError("no such key")
    return key


def print_key(key: ApiKey, as_json: bool) -> None:
    view: dict[str, Any] = key.public_view()
    if as_json:
        print(json.dumps(view))
        return
    for field in ("public_key", "account", "name", "status", "origins", "redirect_uris",
                  "widgets", "exposed"):
        value = view[field]
        print(f"{field + ':':15} {' '.join(value) if isinstance(value, list) else value}")


async def cmd_keys_show(args: argparse.Namespace, settings: Settings) -> int:
    async def run(store: KeyStore) -> int:
        print_key(await load(store, args.public_key), args.json)
        return 0

    return await with_store(settings, run)


async def cmd_keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    async def run(store: KeyStore) -> int:
        key = await load(store, args.public_key)
        if key.active:
            key = revoke_key(key)
            await store.put(key)
        print_key(key, args.json)
        return 0

    return await with_store(settings, run)


if __name__ == "__main__":
    sys.exit(main())
