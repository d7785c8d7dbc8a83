"""Load the gateway and a bare Starlette app side by side, and print how close the gateway comes.

    .venv/bin/python bench/run.py [--duration 5] [--rounds 2] [--modes embedded,redis]
                                  [--server production|h11] [--paths ...] [--write-doc]

Serves, all at once and with the same uvicorn settings — by default what production runs:
one worker, uvloop and httptools (``--server h11`` for uvicorn's pure-Python loop and parser) —
the bare app (``bench/bare.py``: the same paths with the least work), the gateway on its embedded
default (limits in process, records in the data folder, fsynced) and the gateway on a private
``redis-server`` (limits through the one-script engine). Each path is loaded with ``wrk`` on
loopback: the consent widget (200 and 304), the consent config ``GET``, a CORS preflight, a consent
``POST`` (a new consent id each time, durable before the 201), the rights form (config ``GET``
for a fresh form token, then the ``POST``; the pair counts as two requests), the OAuth2 token
endpoint (client credentials with HTTP Basic) and an API read with a Bearer token (``GET
/api/v1/key``, the token fetched from the same server before the run). The server is pinned
to CPU 0 and ``wrk`` to CPU 1 when the machine has two. The servers take turns path by path
(bare, embedded, Redis, then the next path), so the machine's changes of speed during a run weigh
on each alike. Each figure is the best of ``--rounds``.

It prints req/s, p50 and p99 latency, their ratios to the bare app, and the server's CPU time per
request. On Redis it checks that the limits were really counted in Redis (the limiter not in its
memory fallback, and the per-key counter in Redis covering the requests sent). ``--write-doc``
replaces the table in ``docs/performance.md``.

Limits are raised far above the load so that every request is counted and none is refused; a
run that saw any non-2xx/3xx answer says so.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
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
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "https://shop.bench.example"
SECRET = "bench-secret-" + "x" * 40
SERVERS = {
    "production": ["--loop", "uvloop", "--http", "httptools"],
    "h11": ["--loop", "asyncio", "--http", "h11"],
}
UVICORN_FLAGS = [
    "--workers",
    "1",
    "--no-access-log",
    "--log-level",
    "warning",
    "--no-proxy-headers",
    "--no-server-header",
]


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_us: float = 0.0  # server CPU time (user + system) per request, in microseconds
    failures: str = ""  # answers not 2xx by status and code, where the wrk script counts them


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (Linux), or 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid: int, quiet: float = 0.1, longest: float = 5.0) -> None:
    """Wait until the process has used no CPU for ``quiet`` seconds (at most ``longest``)."""
    deadline = time.monotonic() + longest
    used = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = cpu_seconds(pid)
        if now == used:
            return
        used = now


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
def process(
    args: Sequence[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
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


HUGE = "1000000000/minute"


def gateway_env(redis_url: str | None, data_dir: Path, engine: str = "script") -> dict[str, str]:
    env = {
        **os.environ,
        "GATEWAY_SECRET_KEY": SECRET,
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_LIMIT_PER_IP": HUGE,
        "GATEWAY_LIMIT_PER_KEY": HUGE,
        "GATEWAY_LIMIT_CONSENT_PER_IP": HUGE,
        "GATEWAY_LIMIT_RIGHTS_PER_IP": HUGE,
        "GATEWAY_LIMIT_RIGHTS_PER_EMAIL": HUGE,
        "GATEWAY_LIMIT_OAUTH_TOKEN": HUGE,
        "GATEWAY_LIMIT_OAUTH_TOKEN_PER_IP": HUGE,
        "GATEWAY_RIGHTS_TOKEN_MIN_AGE": "0",
        "GATEWAY_LIMIT_ENGINE": engine,
    }
    env.pop("GATEWAY_REDIS_URL", None)
    if redis_url is not None:
        env["GATEWAY_REDIS_URL"] = redis_url
    return env


@dataclass(frozen=True)
class Credentials:
    """The bench key's two halves; the private key is the OAuth2 client secret."""

    public_key: str
    private_key: str

    def basic(self) -> str:
        raw = f"{self.public_key}:{self.private_key}".encode()
        return "Basic " + base64.b64encode(raw).decode()


def create_key(env: dict[str, str]) -> Credentials:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway",
            "keys",
            "create",
            "--account",
            "acct_bench",
            "--name",
            "bench",
            "--origin",
            ORIGIN,
            "--json",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    created = json.loads(out.stdout)
    return Credentials(str(created["public_key"]), str(created["private_key"]))


WRK_DIR = Path(__file__).resolve().parent / "wrk"


def wrk_script(
    folder: Path, name: str, method: str, headers: dict[str, str], body: str = ""
) -> Path:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    if body:
        lines.append(f'wrk.body = "{body}"')
    path = folder / f"{name}.lua"
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
    count = re.search(r"(\d+) requests in", text)
    answers = re.search(r"^Answers not 2xx: (.+)$", text, re.M)
    return Result(
        float(rps.group(1)),
        ms("50"),
        ms("99"),
        errors,
        int(count.group(1)) if count else 0,
        failures=answers.group(1) if answers else "",
    )


@dataclass(frozen=True)
class Path_:
    """One loaded path: the URL path, the wrk script, and extra environment for the script."""

    url: str
    script: Path
    env: dict[str, str]


def load(wrk: str, base: str, path: Path_, pid: int, args: argparse.Namespace) -> Result:
    # The rights form's script keeps the form token it read between two requests: one Lua state
    # (one wrk thread) per connection, so no connection sends another's single-use token.
    threads = args.connections if path.script.name == "rights_post.lua" else 1
    cmd = [
        *pin(1),
        wrk,
        f"-t{threads}",
        f"-c{args.connections}",
        "--latency",
        "-s",
        str(path.script),
    ]
    env = {**os.environ, "BENCH_ORIGIN": ORIGIN, **path.env}
    subprocess.run([*cmd, "-d2s", base + path.url], check=True, capture_output=True, env=env)
    # wrk leaves with requests in flight; connections opened while the server still finishes
    # them wait on uvloop, one loop turn after another, and would count in this run's tail.
    settle(pid)
    before = cpu_seconds(pid)
    out = subprocess.run(
        [*cmd, f"-d{args.duration}s", base + path.url],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    used = cpu_seconds(pid) - before
    result = parse_wrk(out.stdout)
    if result.requests:
        result.cpu_us = used / result.requests * 1e6
    return result


FORM = "application/x-www-form-urlencoded"
TOKEN_FORM = "grant_type=client_credentials&scope=consents:read"


def access_token(port: int, key: Credentials) -> str:
    """A token from the server on ``port`` (client credentials), for the API read."""
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/oauth/token",
        data=TOKEN_FORM.encode(),
        headers={"Authorization": key.basic(), "Content-Type": FORM},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return str(json.loads(answer.read())["access_token"])


def paths_for(
    key: Credentials, folder: Path, wanted: Sequence[str], bearer: str = ""
) -> dict[str, Path_]:
    pk = key.public_key
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    rights_env = {
        "BENCH_RIGHTS_CONFIG": f"/v1/{pk}/rights/config",
        "BENCH_RIGHTS_POST": f"/v1/{pk}/rights",
    }
    every = {
        "asset 200": Path_(
            "/widgets/consent.js",
            wrk_script(folder, "asset", "GET", {"Accept-Encoding": "gzip"}),
            {},
        ),
        "asset 304": Path_("/widgets/consent.js", folder / "asset304.lua", {}),
        "config GET": Path_(
            f"/v1/{pk}/consent/config", wrk_script(folder, "config", "GET", {"Origin": ORIGIN}), {}
        ),
        "preflight": Path_(
            f"/v1/{pk}/consent", wrk_script(folder, "preflight", "OPTIONS", preflight), {}
        ),
        "consent POST": Path_(f"/v1/{pk}/consent", WRK_DIR / "consent_post.lua", {}),
        "rights pair": Path_(f"/v1/{pk}/rights/config", WRK_DIR / "rights_post.lua", rights_env),
        "token POST": Path_(
            "/oauth/token",
            wrk_script(
                folder,
                "token",
                "POST",
                {"Authorization": key.basic(), "Content-Type": FORM},
                TOKEN_FORM,
            ),
            {},
        ),
        "API read": Path_(
            "/api/v1/key",
            wrk_script(folder, "api_read", "GET", {"Authorization": f"Bearer {bearer}"}),
            {},
        ),
    }
    return {name: every[name] for name in wanted}


def etag_script(folder: Path, port: int) -> None:
    """A wrk script sending the ``If-None-Match`` of the asset the server at ``port`` serves."""
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/widgets/consent.js", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        etag = answer.headers.get("ETag", "")
    wrk_script(
        folder,
        "asset304",
        "GET",
        {"Accept-Encoding": "gzip", "If-None-Match": etag.replace('"', '\\"')},
    )


def limiter_state(port: int) -> str:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
        checks = json.loads(answer.read())["checks"]
    return str(checks.get("limiter", "?"))


def redis_counted(redis_url: str) -> int:
    """The largest limit counter in Redis: how many requests the busiest window counted."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        best = 0
        for key in client.scan_iter("LIMITS:*", count=1000):
            value = client.get(key)
            if value is not None and value.isdigit():
                best = max(best, int(value))
        return best
    finally:
        client.close()


@dataclass
class Served:
    """One server of the run, started before any load and kept up until the last."""

    label: str
    key: Credentials
    port: int
    pid: int
    redis_url: str | None


def serve(
    stack: contextlib.ExitStack,
    label: str,
    target: str,
    env: dict[str, str] | None,
    key: Credentials,
    folder: Path,
    args: argparse.Namespace,
) -> Served:
    port = free_port()
    cmd = [
        *pin(0),
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *SERVERS[args.server],
        *UVICORN_FLAGS,
    ]
    if env is not None:  # the gateway: an app factory
        cmd.append("--factory")
    proc = stack.enter_context(process(cmd, env))
    wait_for(port, proc)
    redis_url = env.get("GATEWAY_REDIS_URL") if env is not None else None
    return Served(label, key, port, proc.pid, redis_url)


def load_all(
    served: list[Served], folder: Path, wrk: str, args: argparse.Namespace
) -> tuple[dict[str, dict[str, Result]], dict[str, str]]:
    """Every path on every server, the servers taking turns path by path (and round by round),
    so a change in the machine's speed during the run weighs on all of them alike; the best
    round of each, and for a gateway on Redis what its limiter did (read after each load, as
    the counters expire with their windows)."""
    wanted = args.paths.split(",")
    paths = {}
    for one in served:
        # Each server's own scripts (its key, its asset's ETag), in a folder of its own.
        own = folder / "scripts" / one.label.replace("/", "-").replace(" ", "-")
        own.mkdir(parents=True, exist_ok=True)
        etag_script(own, one.port)
        bearer = access_token(one.port, one.key) if "API read" in wanted else ""
        paths[one.label] = paths_for(one.key, own, wanted, bearer)
    best: dict[str, dict[str, Result]] = {one.label: {} for one in served}
    counted: dict[str, int] = {}
    for _ in range(args.rounds):
        for name in wanted:
            for one in served:
                result = load(wrk, f"http://127.0.0.1:{one.port}", paths[one.label][name],
                              one.pid, args)  # fmt: skip
                print(f"  {one.label:<18} {name:<13} {result.rps:>9.0f} req/s", file=sys.stderr)
                kept = best[one.label].get(name)
                if kept is None or result.rps > kept.rps:
                    best[one.label][name] = result
                if one.redis_url is not None:
                    seen = redis_counted(one.redis_url)
                    counted[one.label] = max(counted.get(one.label, 0), seen)
    notes = {
        one.label: f"limiter {limiter_state(one.port)}, "
        f"busiest Redis window counted {counted.get(one.label, 0)}"
        for one in served
        if one.redis_url is not None
    }
    return best, notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="best of this many runs")
    parser.add_argument("--modes", default="embedded,redis", help="gateway set-ups to load")
    parser.add_argument("--server", choices=sorted(SERVERS), default="production")
    parser.add_argument(
        "--paths",
        default="asset 200,asset 304,config GET,preflight,consent POST,rights pair,"
        "token POST,API read",
        help="comma-separated paths to load",
    )
    parser.add_argument(
        "--app", default="gateway.app:create_app", help="the gateway's app factory (import path)"
    )
    parser.add_argument("--write-doc", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    wrk = need_wrk()
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("bench: redis-server is missing; scripts/test installs it")
    with tempfile.TemporaryDirectory(prefix="wg-bench-") as tmp:
        folder = Path(tmp)
        redis_port = free_port()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        redis_cmd = [
            redis_server,
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            tmp,
        ]
        with process(redis_cmd) as redis_proc:
            wait_for(redis_port, redis_proc)
            modes = args.modes.split(",")
            envs = {
                "embedded": gateway_env(None, folder / "embedded"),
                "redis": gateway_env(redis_url, folder / "redis"),
            }
            # One key in each store; both allow the same origin.
            keys = {mode: create_key(envs[mode]) for mode in modes}
            targets: list[tuple[str, str, dict[str, str] | None, Credentials]] = [
                ("bare Starlette", "bench.bare:app", None, next(iter(keys.values())))
            ]
            targets += [(f"gateway/{mode}", args.app, envs[mode], keys[mode]) for mode in modes]
            with contextlib.ExitStack() as stack:
                served = [serve(stack, *target, folder, args) for target in targets]
                best, notes = load_all(served, folder, wrk, args)
    table = report(best, args, notes)
    print(table)
    if args.write_doc:
        write_doc(table)
    return 0


def report(
    best: dict[str, dict[str, Result]], args: argparse.Namespace, notes: dict[str, str]
) -> str:
    bare = best["bare Starlette"]
    server = "uvloop + httptools" if args.server == "production" else "asyncio + h11"
    lines = [
        f"`wrk -t1 -c{args.connections} -d{args.duration}s`, best of {args.rounds}, server on one "
        f"core (uvicorn, 1 worker, {server})",
        "",
        machine(),
        "",
        "| server | path | req/s | p50 ms | p99 ms | ratio | p99 / bare p99 | CPU µs/req |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, results in best.items():
        for name, r in results.items():
            ratio = r.rps / bare[name].rps if bare[name].rps else 0.0
            p99 = r.p99_ms / bare[name].p99_ms if bare[name].p99_ms else 0.0
            errors = f" ({r.errors} non-2xx!)" if r.errors else ""
            if r.errors and r.failures:
                errors = f" ({r.errors} non-2xx: {r.failures}!)"
            lines.append(
                f"| {label} | {name}{errors} | {r.rps:.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
                f"{ratio:.2f}x | {p99:.1f}x | {r.cpu_us:.0f} |"
            )
    lines.append("")
    lines += [f"- {label}: {note}" for label, note in notes.items()]
    return "\n".join(lines)


def machine() -> str:
    """The machine and the versions a run measured: CPU, cores, Python and the serving stack."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    versions = []
    for package in ("uvicorn", "uvloop", "httptools", "starlette"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} missing")
    python = ".".join(map(str, sys.version_info[:3]))
    return f"{model}, {os.cpu_count()} cores; Python {python}, " + ", ".join(versions)


START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def write_doc(table: str) -> None:
    doc = ROOT / "docs" / "performance.md"
    text = doc.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + START + "\n" + table + "\n" + END + rest.split(END, 1)[1]
    else:
        text += f"\n{START}\n{table}\n{END}\n"
    doc.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
