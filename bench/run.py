"""Load the gateway and a bare Starlette app side by side, and print how close the gateway comes.

    .venv/bin/python bench/run.py [--duration 10] [--connections 50] [--rounds 2]

Starts a private redis-server, creates a key allowing one origin, then serves, one after the other
and with the same uvicorn settings (1 worker, asyncio, no access log): the bare app
(``bench/bare.py``), the gateway with limits in Redis through one Lua script per request
(``GATEWAY_LIMIT_ENGINE=script``, the default) and the gateway with limits through the ``limits``
library's own Redis storage (``GATEWAY_LIMIT_ENGINE=limits``). Each is loaded with ``wrk`` on
loopback for (a) ``GET /v1/{pk}/consent/config`` with an allowed ``Origin`` and (b) a CORS
preflight ``OPTIONS``. The server is pinned to CPU 0, and ``wrk`` and Redis to CPU 1, when the
machine has two or more. Each measurement is the best of ``--rounds`` runs, since the machine
may be shared; it prints requests per second, p50 and p99 latency, and the ratio to the bare app.

The limits are raised far above the load so that every request is checked against the per-IP and
per-key limits in Redis and none is refused; a run that saw any non-2xx answer says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "https://shop.bench.example"
SECRET = "bench-secret-" + "x" * 40
UVICORN_FLAGS = [
    "--workers", "1", "--loop", "asyncio", "--http", "h11", "--no-access-log",
    "--log-level", "warning", "--no-proxy-headers", "--no-server-header",
]


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"bench: nothing listening on port {port}")


def need_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench: installing wrk (apt-get)", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
        wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("bench: wrk is missing; install the 'wrk' package")
    return wrk


def pin(cpu: int) -> list[str]:
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)]
    return []


@contextmanager
def process(args: Sequence[str], env: dict[str, str] | None = None) -> Iterator[
    subprocess.Popen[bytes]
]:
    proc = subprocess.Popen(
        list(args), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def gateway_env(redis_url: str, data_dir: Path, engine: str) -> dict[str, str]:
    return {
        **os.environ,
        "GATEWAY_REDIS_URL": redis_url,
        "GATEWAY_SECRET_KEY": SECRET,
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_LIMIT_PER_IP": "1000000000/minute",
        "GATEWAY_LIMIT_PER_KEY": "1000000000/minute",
        "GATEWAY_LIMIT_ENGINE": engine,
    }


def create_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "gateway", "keys", "create", "--account", "acct_bench",
         "--name", "bench", "--origin", ORIGIN, "--json"],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return str(json.loads(out.stdout)["public_key"])


def wrk_script(folder: Path, method: str, headers: dict[str, str]) -> Path:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    path = folder / f"{method.lower()}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def parse_wrk(text: str) -> Result:
    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not m:
            raise SystemExit(f"bench: no {label}% latency in wrk output:\n{text}")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        raise SystemExit(f"bench: unexpected wrk output:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(r"Socket errors:(.*)", text)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if sockets:
        errors += sum(int(n) for n in re.findall(r"\d+", sockets.group(1)))
    return Result(float(rps.group(1)), ms("50"), ms("99"), errors)


def load(wrk: str, url: str, script: Path, args: argparse.Namespace) -> Result:
    base = [*pin(1), wrk, "-t1", f"-c{args.connections}", "--latency", "-s", str(script), url]
    subprocess.run([*base[:-1], "-d2s", url], check=True, capture_output=True)  # warm-up
    out = subprocess.run(
        [*base[:-1], f"-d{args.duration}s", url], check=True, capture_output=True, text=True
    )
    return parse_wrk(out.stdout)


def serve_and_load(
    label: str, target: str, env: dict[str, str] | None, paths: dict[str, tuple[str, Path]],
    wrk: str, args: argparse.Namespace,
) -> dict[str, Result]:
    port = free_port()
    cmd = [*pin(0), sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1",
           "--port", str(port), *UVICORN_FLAGS]
    if target.endswith("create_app"):
        cmd.append("--factory")
    with process(cmd, env) as proc:
        wait_for(port, proc)
        results = {}
        for name, (path, script) in paths.items():
            results[name] = load(wrk, f"http://127.0.0.1:{port}{path}", script, args)
            print(f"  {label:<16} {name:<10} {results[name].rps:>9.0f} req/s", file=sys.stderr)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="best of this many runs")
    parser.add_argument("--engines", default="script,limits", help="gateway limit engines")
    args = parser.parse_args(argv)
    wrk = need_wrk()
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("bench: redis-server is missing; scripts/test installs it")
    with tempfile.TemporaryDirectory(prefix="wg-bench-") as tmp:
        folder = Path(tmp)
        redis_port = free_port()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        redis_cmd = [*pin(1), redis_server, "--port", str(redis_port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", tmp]
        with process(redis_cmd) as redis_proc:
            wait_for(redis_port, redis_proc)
            env = gateway_env(redis_url, folder / "data", "script")
            pk = create_key(env)
            paths = {
                "config GET": (
                    f"/v1/{pk}/consent/config", wrk_script(folder, "GET", {"Origin": ORIGIN})
                ),
                "preflight": (
                    f"/v1/{pk}/consent",
                    wrk_script(folder, "OPTIONS", {
                        "Origin": ORIGIN,
                        "Access-Control-Request-Method": "POST",
                        "Access-Control-Request-Headers": "content-type",
                    }),
                ),
            }
            targets: list[tuple[str, str, dict[str, str] | None]] = [
                ("bare Starlette", "bench.bare:app", None)
            ]
            for engine in args.engines.split(","):
                targets.append((f"gateway/{engine}", "gateway.app:create_app",
                                gateway_env(redis_url, folder / "data", engine)))
            best: dict[str, dict[str, Result]] = {}
            for _ in range(args.rounds):
                for label, target, target_env in targets:
                    for name, result in serve_and_load(
                        label, target, target_env, paths, wrk, args
                    ).items():
                        kept = best.setdefault(label, {}).get(name)
                        if kept is None or result.rps > kept.rps:
                            best[label][name] = result
    report(best, args)
    return 0


def report(best: dict[str, dict[str, Result]], args: argparse.Namespace) -> None:
    bare = best["bare Starlette"]
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s, best of {args.rounds}, "
          f"server on 1 core (uvicorn, 1 worker)")
    print(f"{'server':<16} {'request':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}")
    for label, results in best.items():
        for name, r in results.items():
            ratio = r.rps / bare[name].rps
            note = f"  ({r.errors} non-2xx!)" if r.errors else ""
            print(f"{label:<16} {name:<10} {r.rps:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
                  f"{ratio:>5.2f}x{note}")


if __name__ == "__main__":
    sys.exit(main())
