"""One worker's memory with many keys cached: RSS after every key's config has been fetched.

    .venv/bin/python bench/keys_memory.py [--keys 10000] [--budget-mb 150]

Writes ``--keys`` keys (each with its own allowed origin and the default consent config) into
the key file of a fresh data folder, serves the gateway on its embedded default the way
production runs it (``uvicorn``, one worker, uvloop + httptools), fetches every key's consent
config once over one keep-alive connection, so every key sits in the key cache and the rendered
configs fill their bounded cache, and prints the worker's resident memory before and after.
Exits 1 when the RSS after warming is over ``--budget-mb``.

The worker runs on what the container image installs (``widget-gateway[brotli,otel]``), in a
virtual env of its own (``.venv-production``, made on the first run, remade when
``pyproject.toml`` changes), not on the test env: packages that only tests install change what
the gateway's own imports load (``httpx`` loads ``rich`` and ``pygments`` for its command line
when they are there, about 7 MB). ``--python`` runs it on another interpreter instead.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import SERVERS, UVICORN_FLAGS, free_port, gateway_env, process, wait_for

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_EXTRAS = "brotli,otel"  # as deploy/Dockerfile installs it


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("keys_memory: no VmRSS in /proc (Linux only)")


def production_python() -> str:
    """The interpreter of a virtual env holding only what the image installs."""
    venv = ROOT / ".venv-production"
    python = venv / "bin" / "python"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = venv / ".installed"
    want = f"{digest}-{PRODUCTION_EXTRAS}"
    if not python.exists():
        print("keys_memory: creating .venv-production", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if not stamp.exists() or stamp.read_text() != want:
        print("keys_memory: installing the image's packages", file=sys.stderr)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             "-e", f"{ROOT}[{PRODUCTION_EXTRAS}]"],
            check=True,
        )  # fmt: skip
        stamp.write_text(want)
    return str(python)


def write_keys(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """``count`` keys in the data folder's key file, written at once; (public key, origin) each."""
    from gateway.keys.model import create_key
    from gateway.keys.store import FileKeyStore

    keys = {}
    out = []
    for i in range(count):
        origin = f"https://shop{i}.bench.example"
        key = create_key(f"acct_{i // 10:05d}", f"site {i}", origins=(origin,)).key
        keys[key.public_key] = key
        out.append((key.public_key, origin))
    # One write of the whole file (the store's own format), not ten thousand read-change-writes.
    FileKeyStore(data_dir)._write(keys)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--budget-mb", type=float, default=150.0)
    parser.add_argument("--python", help="the worker's interpreter (default: .venv-production)")
    args = parser.parse_args()
    python = args.python or production_python()
    with tempfile.TemporaryDirectory(prefix="wg-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        env = gateway_env(None, data_dir)
        env["GATEWAY_KEY_CACHE_TTL"] = "3600"  # every key stays cached while the rest load
        keys = write_keys(data_dir, args.keys)
        # Migrated beforehand, as after the first start: a worker that starts on a database
        # already at the newest schema does not load the migration tool.
        widget_gateway = str(Path(python).with_name("widget-gateway"))
        subprocess.run([widget_gateway, "db", "upgrade"], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        port = free_port()
        cmd = [python, "-m", "uvicorn", "gateway.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port),
               *SERVERS["production"], *UVICORN_FLAGS]  # fmt: skip
        with process(cmd, env) as proc:
            wait_for(port, proc, timeout=180)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            before = rss_mb(proc.pid)
            started = time.monotonic()
            for public_key, origin in keys:
                conn.request("GET", f"/v1/{public_key}/consent/config", headers={"Origin": origin})
                answer = conn.getresponse()
                answer.read()
                if answer.status != 200:
                    raise SystemExit(f"keys_memory: config GET answered {answer.status}")
            took = time.monotonic() - started
            after = rss_mb(proc.pid)
            conn.close()
    print(f"worker on {python}")
    print(f"{args.keys} keys, each config fetched once in {took:.1f} s")
    print(f"worker RSS: {before:.1f} MB at start, {after:.1f} MB with every key cached")
    print(f"per key: {(after - before) * 1024 / args.keys:.1f} KB; budget {args.budget_mb:.0f} MB")
    return 0 if after <= args.budget_mb else 1


if __name__ == "__main__":
    sys.exit(main())
