"""``widget-gateway demo``: the gateway and a demo website, ready to click through.

Everything runs on the embedded default (no Redis, no services): limits in memory, keys, records
and the signing secret in the data folder. The gateway listens on one loopback origin and the
demo site on another (``127.0.0.1`` and ``localhost`` are different origins to a browser), so
every widget call is a genuine cross-origin request checked against the demo key's allow list.

Both uvicorn servers share one asyncio loop in one process. The ports are bound before anything
else starts, so a taken port is reported at once, by name, with the option that changes it.
SIGINT and SIGTERM stop both servers gracefully; the command then exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import secrets
import signal
import socket
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import uvicorn
from starlette.datastructures import Secret

from gateway.cli.demo_site import DemoSite, create_site_app
from gateway.cli.failure import CommandError
from gateway.clock import system_clock
from gateway.keys.model import ApiKey, create_key
from gateway.keys.origins import parse_rule
from gateway.keys.store import FileKeyStore, KeyStore
from gateway.settings import Settings

DEMO_ACCOUNT = "demo"
DEMO_NAME = "Demo site"
LOOPBACK = "127.0.0.1"
# Browsers keep idle connections open; past this, shutting down stops waiting for them.
GRACEFUL_SECONDS = 3


class DemoError(CommandError):
    """A problem to report in one line, with exit status 2."""


def add_parser(subparsers: Any) -> None:
    """Register ``demo`` on the ``widget-gateway`` command line."""
    demo = subparsers.add_parser(
        "demo",
        help="run the gateway and a demo website with both widgets (embedded default)",
        description="Start the gateway and a demo website on another origin, with a demo key "
        "that allows it. No Redis and no services are needed. Ctrl-C stops both.",
    )
    demo.add_argument("--port", type=int, default=8000, help="the gateway's port (8000)")
    demo.add_argument("--site-port", type=int, default=8001, help="the demo site's port (8001)")
    demo.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data folder (default: GATEWAY_DATA_DIR, else ./gateway-data)",
    )
    demo.set_defaults(run=None, run_sync=run)


def say(line: str) -> None:
    # Flushed at once: a person (or a test) waits for these lines to know what runs where.
    print(line, flush=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the demo until SIGINT or SIGTERM; 0 on a clean stop, 2 on a usage problem."""
    if args.port == args.site_port:
        raise DemoError("--port and --site-port must differ (the demo needs two origins)")
    for name in ("redis_url", "consent_sink", "rights_sink"):
        if getattr(settings, name) is not None:
            say(f"note: GATEWAY_{name.upper()} is ignored; the demo runs on the embedded default")
    settings = replace(
        settings,
        data_dir=args.data_dir or settings.data_dir,
        redis_url=None,
        consent_sink=None,
        rights_sink=None,
        # The key manager needs an operator token: one for this run unless one is set.
        admin_token=settings.admin_token or Secret(secrets.token_urlsafe(32)),
        public_url=f"http://{LOOPBACK}:{args.port}",
    )
    gateway_sock = bind(args.port, "the gateway's port", "--port")
    try:
        site_sock = bind(args.site_port, "the demo site's port", "--site-port")
    except DemoError:
        gateway_sock.close()
        raise
    return asyncio.run(serve(settings, gateway_sock, site_sock))


def bind(port: int, role: str, option: str) -> socket.socket:
    """A listening socket on the loopback ``port``, or a :class:`DemoError` that names it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As uvicorn does: a port left in TIME_WAIT by the previous run is free to use again.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise DemoError(
                f"port {port} ({role}) is already in use; stop what uses it or choose another "
                f"port with {option}, e.g. {option} {port + 10}"
            ) from None
        raise DemoError(f"cannot listen on {LOOPBACK}:{port} ({role}): {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


async def demo_key(store: KeyStore, site_origin: str) -> tuple[ApiKey, bool]:
    """The demo key allowing ``site_origin``: the one from an earlier run, or a new one.

    Returns the key and whether it was created now. A key from a run on another site port is
    given the new origin instead of piling up one key per port.
    """
    found: list[ApiKey] = []
    cursor: str | None = None
    while True:
        page, cursor = await store.list(DEMO_ACCOUNT, cursor, 200)
        found.extend(page)
        if cursor is None:
            break
    for key in found:
        if key.active and key.name == DEMO_NAME:
            if key.origins != (site_origin,):
                key = replace(key, origins=(site_origin,), updated_at=system_clock())
                await store.put(key)
            return key, False
    new = create_key(DEMO_ACCOUNT, DEMO_NAME, (site_origin,))
    await store.put(new.key)
    return new.key, True


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to the demo, which stops both servers together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _server(app: Any, lifespan: Literal["on", "off"]) -> _Server:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    return _Server(config)


async def serve(settings: Settings, gateway_sock: socket.socket, site_sock: socket.socket) -> int:
    from gateway.app import create_app

    gateway_origin = f"http://{LOOPBACK}:{gateway_sock.getsockname()[1]}"
    site_origin = str(parse_rule(f"http://localhost:{site_sock.getsockname()[1]}"))
    data = settings.data_dir
    say(f"Widget Gateway demo — embedded default (no Redis, no services), data in {data}/")
    store = FileKeyStore(data)
    key, created = await demo_key(store, site_origin)
    state = "created" if created else f"reused from {data / 'keys.json'}"
    say(f"  demo key   {key.public_key} ({state}), allows {site_origin}")
    settings.signing_secrets()  # creates the local secret now, not on the first request
    say(f"  starting the gateway on {gateway_origin} and the demo site on {site_origin} …")

    site = DemoSite(
        gateway_origin, site_origin, key.public_key, data, settings.rights_token_min_age
    )
    gateway = _server(create_app(settings), "on")
    website = _server(create_site_app(site), "off")
    servers = (gateway, website)
    loop = asyncio.get_running_loop()

    def stop(signum: int) -> None:
        if any(s.should_exit for s in servers):
            for s in servers:
                s.force_exit = True  # a second Ctrl-C: stop waiting for open connections
        say(f"\n{signal.Signals(signum).name}: stopping the gateway and the demo site …")
        for s in servers:
            s.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)
    tasks = [
        asyncio.create_task(gateway.serve(sockets=[gateway_sock])),
        asyncio.create_task(website.serve(sockets=[site_sock])),
    ]
    while not all(s.started for s in servers) and not any(t.done() for t in tasks):
        await asyncio.sleep(0.02)
    if all(s.started for s in servers):
        say(f"  gateway    {gateway_origin}   (widgets, /v1 API, /readyz, /metrics)")
        say(f"  demo site  {site_origin}   <- open this in your browser")
        say(f"  records    {data / 'consent.jsonl'} and {data / 'rights.jsonl'}")
        if "GATEWAY_ADMIN_TOKEN" in os.environ:
            say(f"  key manager {gateway_origin}/admin/   admin token: your GATEWAY_ADMIN_TOKEN")
        else:
            # Made for this run, on loopback only: shown so that the page can be opened at all.
            say(f"  key manager {gateway_origin}/admin/   admin token: {settings.admin_token}")
            say("              (made for this run; set GATEWAY_ADMIN_TOKEN to keep one)")
        say(f"  console    {gateway_origin}/console/   to sign in, invite yourself first:")
        say(
            f"             GATEWAY_DATA_DIR={data} GATEWAY_PUBLIC_URL={gateway_origin} "
            "widget-gateway accounts create --name Demo --owner you@example.org"
        )
        say("             and open the invitation link it prints.")
        say("Ready. Press Ctrl-C to stop.")
    else:
        # One failed to start (its error is logged above): the other must not keep running.
        for s in servers:
            s.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(signum)
    gateway_sock.close()
    site_sock.close()
    if not all(s.started for s in servers):
        print("widget-gateway: the demo could not start (see the messages above)", file=sys.stderr)
        return 1
    say("Stopped.")
    return 0
