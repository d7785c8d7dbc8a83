"""The ``widget-gateway`` command line: run the gateway, manage keys.

Every command reads the same ``GATEWAY_*`` settings as the gateway and works against the
configured store (the data folder, or Redis), so a key created here is live at once.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from gateway import __version__
from gateway.cli.failure import CommandError
from gateway.errors import GatewayError
from gateway.scanner.model import ScanError
from gateway.settings import Settings, SettingsError
from gateway.web.releases import ReleaseError


def _serve(sub: Any) -> None:
    from gateway.cli import serve as cli_serve

    serve = sub.add_parser("serve", help="run the gateway")
    cli_serve.add_arguments(serve)
    serve.set_defaults(run_sync=cli_serve.serve_command)


def _keys(sub: Any) -> None:
    from gateway.cli import backup as cli_backup
    from gateway.cli import keys as cli_keys

    cli_backup.add_parsers(cli_keys.add_parser(sub))


def _module(name: str) -> Callable[[Any], None]:
    def attach(sub: Any) -> None:
        importlib.import_module(f"gateway.cli.{name}").add_parser(sub)

    return attach


# Each command's module is imported only when it runs (or for the full help): most commands need
# a fraction of what all of them import together, and a command starts that much sooner.
COMMANDS: dict[str, Callable[[Any], None]] = {
    "serve": _serve,
    "keys": _keys,
    **{
        name: _module(name)
        for name in ("accounts", "outbox", "db", "records", "token", "scan", "widgets", "demo")
    },
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a command, only that command's module is loaded."""
    parser = argparse.ArgumentParser(
        prog="widget-gateway", description="Gateway for the consent and rights widgets."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    parser.add_argument("--version", action="version", version=f"widget-gateway {__version__}")
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    chosen = words[0] if words and words[0] in COMMANDS else None
    for name, attach in COMMANDS.items():
        if chosen is None or name == chosen:
            attach(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
        # Commands are either synchronous (serve, demo: they own the event loop) or coroutines.
        if getattr(args, "run_sync", None) is not None:
            return int(args.run_sync(args, settings))
        return int(asyncio.run(args.run(args, settings)))
    except SettingsError as exc:
        print(f"widget-gateway: configuration error: {exc}", file=sys.stderr)
        return 2
    except (CommandError, GatewayError, ScanError, ReleaseError) as exc:
        print(f"widget-gateway: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
