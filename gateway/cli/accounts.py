"""``widget-gateway accounts …``: operators create, list, suspend, reinstate and delete accounts.

``create`` makes the account and an invitation for its first owner. The invitation e-mail is
queued like every other; with ``GATEWAY_SMTP_URL`` set it is sent while the command runs (or by a
running gateway, from the same durable queue), otherwise the command prints the link for the
operator to pass on (the e-mail also lands in the mail folder). Commands work against the
configured database, Redis and key store, so a change is live at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.accounts import operators
from gateway.cli.keys import actor
from gateway.keys.audit import audit_log
from gateway.services import Services, open_services
from gateway.settings import Settings

Command = Callable[[argparse.Namespace, Services], Awaitable[int]]


def add_parser(sub: Any) -> None:
    accounts = sub.add_parser("accounts", help="manage accounts (operators)").add_subparsers(
        dest="accounts_cmd", required=True
    )

    def command(name: str, fn: Command, text: str, with_id: bool = True) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = accounts.add_parser(name, help=text)
        if with_id:
            p.add_argument("account", help="the account's id (acct_…)")
        p.add_argument("--json", action="store_true", help="print JSON for scripts")
        p.set_defaults(run=_runner(fn))
        return p

    create = command("create", cmd_create, "create an account and invite its owner", False)
    create.add_argument("--name", required=True)
    create.add_argument("--owner", required=True, metavar="EMAIL")
    command("list", cmd_list, "list accounts", False)
    command("suspend", cmd_suspend, "suspend an account: its keys stop working")
    command("reinstate", cmd_reinstate, "end a suspension")
    command("delete", cmd_delete, "delete an account and revoke its keys")


def _runner(fn: Command) -> Callable[[argparse.Namespace, Settings], Awaitable[int]]:
    async def run(args: argparse.Namespace, settings: Settings) -> int:
        async with open_services(settings) as services:
            return await fn(args, services)

    return run


def _print(args: argparse.Namespace, data: dict[str, Any], line: str) -> None:
    print(json.dumps(data, indent=2) if args.json else line)


async def cmd_create(args: argparse.Namespace, services: Services) -> int:
    created = await operators.create_account(
        services.accounts,
        services.mailer,
        services.settings,
        args.name,
        args.owner,
        services.clock(),
    )
    mailed = services.settings.smtp_url is not None
    data = {
        **created.account.view(),
        "owner": created.owner,
        "invitation_mailed": mailed,
    }
    if not mailed:
        data["invitation_url"] = created.invitation_link
    line = f"created account {created.account.id} ({created.account.name})\n"
    if mailed:
        line += f"invitation e-mailed to {created.owner}"
    else:
        line += f"invitation link for {created.owner} (works once):\n{created.invitation_link}"
    _print(args, data, line)
    return 0


async def cmd_list(args: argparse.Namespace, services: Services) -> int:
    found = await services.accounts.store.list_accounts()
    if args.json:
        print(json.dumps({"accounts": [a.view() for a in found]}, indent=2))
        return 0
    for account in found:
        flags = " (2FA required)" if account.require_2fa else ""
        print(f"{account.id}  {account.status:<9}  {account.name}{flags}")
    if not found:
        print("no accounts", file=sys.stderr)
    return 0


async def _suspension(args: argparse.Namespace, services: Services, suspended: bool) -> int:
    account = await operators.set_suspended(
        services.accounts,
        services.store,
        audit_log(services),
        args.account,
        suspended,
        actor(),
        services.clock(),
    )
    _print(args, account.view(), f"{account.id} is {account.status}")
    return 0


async def cmd_suspend(args: argparse.Namespace, services: Services) -> int:
    return await _suspension(args, services, True)


async def cmd_reinstate(args: argparse.Namespace, services: Services) -> int:
    return await _suspension(args, services, False)


async def cmd_delete(args: argparse.Namespace, services: Services) -> int:
    await operators.delete_account(
        services.accounts,
        services.store,
        audit_log(services),
        args.account,
        actor(),
        services.clock(),
    )
    _print(args, {"deleted": args.account}, f"deleted {args.account}; its keys are revoked")
    return 0
