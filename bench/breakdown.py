"""Where a request's CPU time goes, without the HTTP server: the app called in-process.

    .venv/bin/python bench/breakdown.py [--requests 3000]

``bench/run.py`` measures whole requests through uvicorn; this calls the ASGI apps directly (50
requests in flight, against a private redis-server) and prints the process CPU time per request
for the bare app, the gateway's preflight (key, origin, CORS), the gateway's config GET (the same
plus limits and the endpoint), and the limiter alone (the per-IP and per-key limits of one
request) with each engine. CPU time, not wall time, so the figures hold on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bare import app as bare_app
from bench.run import ORIGIN, create_key, free_port, gateway_env, process, wait_for

CONCURRENCY = 50


def scope(method: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }


async def cpu_per_call(call: Callable[[], Awaitable[Any]], n: int) -> float:
    """Microseconds of process CPU per call, with CONCURRENCY calls in flight."""

    async def worker() -> None:
        for _ in range(n // CONCURRENCY):
            await call()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))  # warm-up
    start = time.process_time()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return (time.process_time() - start) / n * 1e6


def asgi_call(app: Any, sc: dict[str, Any]) -> Callable[[], Awaitable[None]]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] >= 300:
            raise SystemExit(f"breakdown: {sc['method']} {sc['path']} → {message['status']}")

    async def call() -> None:
        await app(dict(sc), receive, send)

    return call


async def measure(env: dict[str, str], pk: str, n: int) -> list[tuple[str, float]]:
    os.environ.update(env)
    from gateway.app import create_app
    from gateway.ratelimit.limiter import Limiter, LimitRequest
    from gateway.settings import Settings

    config = scope("GET", f"/v1/{pk}/consent/config", {"Origin": ORIGIN, "Host": "gw"})
    preflight = scope(
        "OPTIONS",
        f"/v1/{pk}/consent",
        {"Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Host": "gw"},
    )
    rows = [
        ("bare app, config GET", await cpu_per_call(asgi_call(bare_app, config), n)),
        ("bare app, preflight", await cpu_per_call(asgi_call(bare_app, preflight), n)),
    ]
    gateway = create_app()
    async with gateway.router.lifespan_context(gateway):
        rows.append(("gateway, preflight", await cpu_per_call(asgi_call(gateway, preflight), n)))
        rows.append(("gateway, config GET", await cpu_per_call(asgi_call(gateway, config), n)))
    requests = [
        LimitRequest("ip", "1000000000/minute", ("127.0.0.1",)),
        LimitRequest("key", "1000000000/minute", (pk,)),
    ]
    for engine in ("script", "limits"):
        settings = Settings.from_env({**env, "GATEWAY_LIMIT_ENGINE": engine})
        limiter = Limiter(settings, env["GATEWAY_REDIS_URL"])
        try:
            check = functools.partial(limiter.check, requests)
            rows.append((f"limiter alone, {engine}", await cpu_per_call(check, n)))
        finally:
            await limiter.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("breakdown: redis-server is missing; scripts/test installs it")
    with tempfile.TemporaryDirectory(prefix="wg-bench-") as tmp:
        port = free_port()
        cmd = [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", tmp]  # fmt: skip
        with process(cmd) as redis_proc:
            wait_for(port, redis_proc)
            env = gateway_env(f"redis://127.0.0.1:{port}/0", Path(tmp) / "data", "script")
            pk = create_key(env).public_key
            rows = asyncio.run(measure(env, pk, args.requests))
    print(f"\nCPU time per request, in-process, {CONCURRENCY} in flight, {args.requests} requests")
    for label, micros in rows:
        print(f"{label:<26} {micros:>7.0f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
