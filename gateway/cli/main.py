"""The ``widget-gateway`` command line: run the gateway, manage keys.

Every command reads the same ``GATEWAY_*`` settings as the gateway and works against the
configured store (the data folder, or Redis), so a key created here is live at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from gateway import __version__
from gateway.cli import accounts as cli_accounts
from gateway.cli import backup as cli_backup
from gateway.cli import db as cli_db
from gateway.cli import demo
from gateway.cli import keys as cli_keys
from gateway.cli import outbox as cli_outbox
from gateway.cli import records as cli_records
from gateway.cli import scan as cli_scan
from gateway.cli import serve as cli_serve
from gateway.cli import token as cli_token
from gateway.errors import GatewayError
from gateway.scanner.model import ScanError
from gateway.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="widget-gateway", description="Gateway for the consent and rights widgets."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    parser.add_argument("--version", action="version", version=f"widget-gateway {__version__}")
    serve = sub.add_parser("serve", help="run the gateway")
    cli_serve.add_arguments(serve)
    serve.set_defaults(run_sync=cli_serve.serve_command)

    cli_backup.add_parsers(cli_keys.add_parser(sub))
    cli_accounts.add_parser(sub)
    cli_outbox.add_parser(sub)
    cli_db.add_parser(sub)
    cli_records.add_parser(sub)
    cli_token.add_parser(sub)
    cli_scan.add_parser(sub)
    demo.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
        # Commands are either synchronous (serve, demo: they own the event loop) or coroutines.
        if getattr(args, "run_sync", None) is not None:
            return int(args.run_sync(args, settings))
        return int(asyncio.run(args.run(args, settings)))
    except SettingsError as exc:
        print(f"widget-gateway: configuration error: {exc}", file=sys.stderr)
        return 2
    except (
        cli_keys.KeyCommandError,
        cli_token.TokenCommandError,
        GatewayError,
        demo.DemoError,
        ScanError,
    ) as exc:
        print(f"widget-gateway: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
