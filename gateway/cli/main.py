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

from gateway.cli import demo
from gateway.cli import keys as cli_keys
from gateway.cli import outbox as cli_outbox
from gateway.cli import scan as cli_scan
from gateway.cli import token as cli_token
from gateway.errors import GatewayError
from gateway.scanner.model import ScanError
from gateway.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="widget-gateway", description="Gateway for the consent and rights widgets."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="event loop (default: %(default)s; asyncio is Python's own)",
    )
    serve.add_argument(
        "--http",
        choices=("httptools", "h11"),
        default="httptools",
        help="HTTP/1.1 parser (default: %(default)s; h11 is pure Python)",
    )
    serve.set_defaults(run_sync=serve_command)

    cli_keys.add_parser(sub)
    cli_outbox.add_parser(sub)
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


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    mode = "Redis" if settings.redis_url else f"embedded default (data in {settings.data_dir}/)"
    print(
        f"widget-gateway: serving on http://{args.host}:{args.port} — {mode}"
        f" ({args.loop}, {args.http})",
        file=sys.stderr,
    )
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop=args.loop,
        http=args.http,
        log_level="info",
        proxy_headers=False,  # the gateway reads X-Forwarded-For itself, from trusted proxies only
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
