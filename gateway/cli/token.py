"""``widget-gateway token --key pk_… [--scope …]``: an access token for a key pair, printed.

The private key is asked for without echo (or read from standard input when it is not a
terminal, for scripts), never taken as an argument where the shell history and ``ps`` would keep
it. The token comes from the gateway's own token endpoint (client credentials), so limits and
checks are the same as for any client: ``--url`` (default ``GATEWAY_OAUTH_ISSUER``, else
``http://127.0.0.1:8000``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

import httpx

from gateway.cli.failure import CommandError
from gateway.keys.model import SCOPES
from gateway.settings import Settings

DEFAULT_URL = "http://127.0.0.1:8000"


class TokenCommandError(CommandError):
    """A problem to report, with exit status 2."""


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "token", help="get an access token for a key pair (client credentials)"
    )
    p.add_argument("--key", required=True, metavar="PK", help="the public key (client_id)")
    p.add_argument("--scope", action="append", choices=SCOPES, help="scope to ask for (repeat)")
    p.add_argument("--url", help="the gateway's base URL")
    p.add_argument("--json", action="store_true", help="print the whole token answer as JSON")
    p.set_defaults(run_sync=cmd_token)


def read_private_key() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("private key (sk_…): ").strip()
    return sys.stdin.readline().strip()


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    secret = read_private_key()
    if not secret:
        raise TokenCommandError("no private key given")
    base = (args.url or settings.oauth_issuer or DEFAULT_URL).rstrip("/")
    form = {"grant_type": "client_credentials"}
    if args.scope:
        form["scope"] = " ".join(args.scope)
    try:
        answer = httpx.post(base + "/oauth/token", data=form, auth=(args.key, secret), timeout=10)
    except httpx.HTTPError as exc:
        raise TokenCommandError(
            f"the gateway at {base} cannot be reached ({type(exc).__name__})"
        ) from None
    try:
        body = answer.json()
    except ValueError:
        raise TokenCommandError(
            f"unexpected answer from {base} (HTTP {answer.status_code})"
        ) from None
    if answer.status_code != 200:
        error = body.get("error", "error")
        raise TokenCommandError(f"{body.get('error_description', 'refused')} [{error}]")
    print(json.dumps(body) if args.json else body["access_token"])
    return 0
