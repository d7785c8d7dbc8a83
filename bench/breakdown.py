"""Where a request's CPU time goes, without the HTTP server: the app called in-process.

    .venv/bin/python bench/breakdown.py [--requests 3000] [--modes embedded,redis]
        [--paths "consent POST"] [--repeat 3]

``bench/run.py`` measures whole requests through uvicorn; this calls the ASGI apps directly (50
requests in flight) on uvloop when it is installed, and prints the process CPU time per request
for the bare app and for the gateway on its embedded default and on a private redis-server: the
preflight (key, origin, CORS), the config GET (the same plus limits and the endpoint), the consent
POST (the same plus validation, receipt and the durable write) and the rights POST (a fresh form
token each time), then the limiter alone (the per-IP and per-key limits of one request) with each
Redis engine (only when every path is measured). CPU time, not wall time, so the figures hold
on a busy machine; ``--repeat`` measures again with a new app, for a median of several runs.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import json
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
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
    "Host": "gw",
}
POST = {"Content-Type": "text/plain;charset=UTF-8"}
Row = tuple[str, float]


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


Body = Callable[[], bytes]


def asgi_call(
    app: Any, sc: dict[str, Any], body: Body | None = None, seen: list[bytes] | None = None
) -> Callable[[], Awaitable[None]]:
    """One request to ``app``; ``body`` makes each request's body, ``seen`` keeps the answers'."""

    async def call() -> None:
        payload = body() if body is not None else b""
        headers = list(sc["headers"])
        if payload:
            headers.append((b"content-length", str(len(payload)).encode()))

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": payload, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 300:
                raise SystemExit(f"breakdown: {sc['method']} {sc['path']} → {message['status']}")
            if seen is not None and message["type"] == "http.response.body":
                seen.append(message.get("body", b""))

        await app({**sc, "headers": headers}, receive, send)

    return call


def consent_body() -> Body:
    counter = itertools.count()

    def make() -> bytes:
        n = next(counter)
        # What the widget sends, its record key and the digest of the config shown included.
        return json.dumps(
            {
                "consent_id": f"bench{n:012d}",
                "action": "accept_all",
                "categories": {"necessary": True, "analytics": True, "marketing": True},
                "policy_version": "1",
                "language": "en",
                "gpc": False,
                "page_url": ORIGIN + "/shop",
                "record_key": f"rk{n:012d}",
                "config_digest": "0123456789abcdef0123",
            }
        ).encode()

    return make


def rights_pair(app: Any, pk: str) -> Callable[[], Awaitable[None]]:
    """The rights form as a visitor sends it: a config GET for a fresh token, then the POST."""
    headers = {"Origin": ORIGIN, "Host": "gw"}
    answers: list[bytes] = []
    config = asgi_call(app, scope("GET", f"/v1/{pk}/rights/config", headers), seen=answers)
    counter = itertools.count()
    token = [""]

    def body() -> bytes:
        n = next(counter)
        return json.dumps(
            {
                "type": "gdpr_access",
                "email": f"visitor{n}@bench.example",
                "message": "bench",
                "requester_type": "self",
                "language": "en",
                "form_token": token[0],
                "website": "",
            }
        ).encode()

    post_headers = {**headers, "Content-Type": "text/plain;charset=UTF-8"}
    post = asgi_call(app, scope("POST", f"/v1/{pk}/rights", post_headers), body)

    async def call() -> None:
        await config()
        token[0] = json.loads(answers.pop())["form_token"]
        await post()

    return call


PATHS = ("preflight", "config GET", "consent POST", "rights pair")


async def gateway_rows(
    label: str, env: dict[str, str], pk: str, n: int, paths: tuple[str, ...] = PATHS
) -> list[Row]:
    from gateway.app import create_app
    from gateway.settings import Settings

    config = scope("GET", f"/v1/{pk}/consent/config", {"Origin": ORIGIN, "Host": "gw"})
    preflight = scope("OPTIONS", f"/v1/{pk}/consent", PREFLIGHT)
    post = scope("POST", f"/v1/{pk}/consent", {**POST, "Origin": ORIGIN, "Host": "gw"})
    gateway = create_app(Settings.from_env(env))
    rows = []
    async with gateway.router.lifespan_context(gateway):
        if "preflight" in paths:
            rows.append(
                (f"{label}, preflight", await cpu_per_call(asgi_call(gateway, preflight), n))
            )
        if "config GET" in paths:
            rows.append((f"{label}, config GET", await cpu_per_call(asgi_call(gateway, config), n)))
        if "consent POST" in paths:
            consent = asgi_call(gateway, post, consent_body())
            rows.append((f"{label}, consent POST", await cpu_per_call(consent, n)))
        if "rights pair" in paths:
            pair = await cpu_per_call(rights_pair(gateway, pk), n // 2)
            rows.append((f"{label}, rights pair", pair / 2))  # per request, as run.py counts
    return rows


async def measure(
    envs: dict[str, dict[str, str]], pks: dict[str, str], n: int, paths: tuple[str, ...] = PATHS
) -> list[Row]:
    from gateway.ratelimit.limiter import Limiter, LimitRequest
    from gateway.settings import Settings

    pk = next(iter(pks.values()))
    config = scope("GET", f"/v1/{pk}/consent/config", {"Origin": ORIGIN, "Host": "gw"})
    preflight = scope("OPTIONS", f"/v1/{pk}/consent", PREFLIGHT)
    post = scope("POST", f"/v1/{pk}/consent", {**POST, "Origin": ORIGIN, "Host": "gw"})
    bare = {
        "preflight": asgi_call(bare_app, preflight),
        "config GET": asgi_call(bare_app, config),
        "consent POST": asgi_call(bare_app, post, consent_body()),
    }
    rows = [
        (f"bare app, {path}", await cpu_per_call(call, n))
        for path, call in bare.items()
        if path in paths
    ]
    for mode, env in envs.items():
        rows += await gateway_rows(f"gateway/{mode}", env, pks[mode], n, paths)
    if "redis" not in envs or paths != PATHS:
        return rows
    env = envs["redis"]
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
    parser.add_argument("--modes", default="embedded,redis", help="gateway set-ups to measure")
    parser.add_argument(
        "--paths",
        default=",".join(PATHS),
        help="which of them, comma-separated (all: and the limiter alone)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="measure that many times over")
    args = parser.parse_args()
    modes = args.modes.split(",")
    paths = tuple(p.strip() for p in args.paths.split(","))
    if unknown := set(paths) - set(PATHS):
        parser.error(f"unknown paths: {', '.join(sorted(unknown))}")
    redis_server = shutil.which("redis-server")
    if not redis_server and "redis" in modes:
        raise SystemExit("breakdown: redis-server is missing; scripts/test installs it")
    with tempfile.TemporaryDirectory(prefix="wg-bench-") as tmp:
        port = free_port()
        cmd = [str(redis_server), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", tmp]  # fmt: skip
        with process(cmd) as redis_proc:
            wait_for(port, redis_proc)
            urls = {"embedded": None, "redis": f"redis://127.0.0.1:{port}/0"}
            envs = {m: gateway_env(urls[m], Path(tmp) / m, "script") for m in modes}
            pks = {m: create_key(env).public_key for m, env in envs.items()}
            loop = "asyncio"
            try:
                import uvloop

                run = uvloop.run
                loop = "uvloop"
            except ImportError:
                run = asyncio.run
            rows = []
            for _ in range(args.repeat):
                rows += run(measure(envs, pks, args.requests, paths))
    print(
        f"\nCPU time per request, in-process on {loop}, {CONCURRENCY} in flight, "
        f"{args.requests} requests"
    )
    for label, micros in rows:
        print(f"{label:<30} {micros:>7.0f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
