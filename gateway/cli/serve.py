"""``widget-gateway serve``: the gateway under uvicorn, as production runs it.

What this adds to a bare ``uvicorn gateway.app:create_app --factory``:

- the gateway's HTTP/1.1 protocols (:mod:`gateway.web.server`): request heads bounded in bytes
  and fields (``431``), deadlines for heads and bodies (``408``), concurrency and keep-alive
  limits, problem+json for every refusal;
- the operator port (``--operator-port`` / ``GATEWAY_OPERATOR_PORT``): a second socket served by
  the same uvicorn server, so ``--workers`` share it too (see :mod:`gateway.web.ports`);
- logs as the gateway writes them (JSON lines by default), uvicorn's access log off and replaced
  by the gateway's own, which holds no query strings, keys or full IPs;
- with ``--workers`` above 1, Prometheus multiprocess mode: an emptied folder in
  ``PROMETHEUS_MULTIPROC_DIR`` before the workers start, and the files of a worker that died
  marked dead, so every scrape shows every worker's series;
- a graceful stop on SIGTERM: listening stops at once, requests in flight finish (for at most
  ``GATEWAY_SHUTDOWN_TIMEOUT``), then delivery workers hand back what they hold and the services
  close.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from gateway.settings import Settings, SettingsError
from gateway.web.logs import logging_config
from gateway.web.metrics import MULTIPROC_ENV
from gateway.web.server import GatewayServerConfig, bounded_options

WORKER_HEALTHCHECK_TIMEOUT = 60  # seconds


def add_arguments(serve: argparse.ArgumentParser) -> None:
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
    serve.add_argument(
        "--operator-port",
        type=int,
        default=None,
        help="serve /metrics, /readyz and the admin API and page on this port only "
        "(default: GATEWAY_OPERATOR_PORT, else everything on --port)",
    )


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    operator_port = args.operator_port or settings.operator_port
    if operator_port is not None:
        # The workers build their app from the environment: the flag travels through it.
        os.environ["GATEWAY_OPERATOR_PORT"] = str(operator_port)
        Settings.from_env(os.environ)  # a bad port stops here, with the variable's name
    metrics_dir = prepare_metrics_dir() if args.workers > 1 else None
    mode = "Redis" if settings.redis_url else f"embedded default (data in {settings.data_dir}/)"
    where = f"http://{_host(args.host)}:{args.port}"
    if operator_port is not None:
        where += f", operator port {operator_port}"
    print(
        f"widget-gateway: serving on {where} — {mode} ({args.loop}, {args.http})",
        file=sys.stderr,
    )
    config = GatewayServerConfig(
        "gateway.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop=args.loop,
        # The gateway's own protocols: bounded heads, deadlines, problem+json refusals.
        **bounded_options(settings, args.http),
        log_config=logging_config(settings.log_format, settings.log_level.upper()),
        access_log=False,
        proxy_headers=False,  # the gateway reads X-Forwarded-For itself, from trusted proxies only
        server_header=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout),
        # uvicorn kills a worker that has not answered its supervisor within this; its default
        # (5 s) is shorter than starting the app takes on a CPU-starved node (a container's CPU
        # limit, a busy host), which then kills and restarts every worker over and over.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT,
    )
    sockets = [config.bind_socket()]
    if operator_port is not None:
        sockets.append(_operator_socket(config, operator_port))
    try:
        if args.workers > 1:
            from gateway.cli.supervisor import Supervisor

            Supervisor(config, sockets).run()
        else:
            uvicorn.Server(config).run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()
        if metrics_dir is not None and metrics_dir.owned:
            shutil.rmtree(metrics_dir.path, ignore_errors=True)
    return 0


class MetricsDir:
    def __init__(self, path: Path, owned: bool) -> None:
        self.path = path
        self.owned = owned


def prepare_metrics_dir() -> MetricsDir:
    """The folder the workers' metric files go to, emptied: the operator's
    ``PROMETHEUS_MULTIPROC_DIR`` if set, else a new temporary folder removed at exit."""
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        # Files of a previous run would add its dead workers' counts to every scrape.
        for stale in path.glob("*.db"):
            stale.unlink(missing_ok=True)
        return MetricsDir(path, owned=False)
    path = Path(tempfile.mkdtemp(prefix="widget-gateway-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    return MetricsDir(path, owned=True)


def _operator_socket(config: Any, port: int) -> socket.socket:
    """A listening socket for the operator port, bound like uvicorn binds ``--port``."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family=family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, port))
    except OSError as exc:
        sock.close()
        raise SettingsError("OPERATOR_PORT", f"cannot listen on port {port}: {exc}") from None
    sock.set_inheritable(True)
    return sock


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
