"""Limits shared by real ``widget-gateway serve`` processes, as production runs them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gwclient import SECRET, SITE, settings_for, stored_key
from tests.support.aio import LoopKind
from tests.support.aio import run as run_sync
from tests.support.processes import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = 3
REQUESTS = 300
# What `serve` is told for each loop under test: its defaults, or Python's own loop and parser.
SERVE_OPTIONS: dict[LoopKind, list[str]] = {
    "uvloop": [],
    "asyncio": ["--loop", "asyncio", "--http", "h11"],
}


class Fleet:
    """``INSTANCES`` gateway processes on one Redis, each logging to a file of its own."""

    def __init__(self, redis_url: str, tmp_path: Path, loop_kind: LoopKind) -> None:
        self.ports = [free_port() for _ in range(INSTANCES)]
        self.logs = [tmp_path / f"gateway-{i}.log" for i in range(INSTANCES)]
        env = {
            **os.environ,
            "GATEWAY_REDIS_URL": redis_url,
            "GATEWAY_SECRET_KEY": SECRET,
            "GATEWAY_DATA_DIR": str(tmp_path / "data"),
            "GATEWAY_LIMIT_PER_KEY": "100/minute",
            "GATEWAY_LIMIT_PER_IP": "100000/minute",
            "GATEWAY_LIMITS_FAIL_CLOSED": "true",
            # A healthy Redis, on a machine the suite keeps busy: a command's time includes the
            # wait for its process's turn on the CPU, which passed the 0.25 s default under
            # load (then fail-closed answers 503). What is tested is the sharing, not the timeout.
            "GATEWAY_REDIS_TIMEOUT": "2",
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        for port, log in zip(self.ports, self.logs, strict=True):
            command = [sys.executable, "-m", "gateway", "serve", "--port", str(port)]
            with log.open("wb") as out:
                self.processes.append(
                    subprocess.Popen(
                        command + SERVE_OPTIONS[loop_kind],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )

    def wait(self) -> None:
        for port in self.ports:
            wait_for_port(port, timeout=30)

    def log_text(self) -> str:
        return "\n".join(log.read_text() for log in self.logs)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=15)


@pytest.fixture
def fleet(redis_url: str, tmp_path: Path, loop_kind: LoopKind) -> Iterator[Fleet]:
    running = Fleet(redis_url, tmp_path, loop_kind)
    try:
        running.wait()
        yield running
    finally:
        running.stop()


def test_three_serve_processes_share_one_per_key_limit_and_never_fail_closed(
    fleet: Fleet, redis_url: str, tmp_path: Path, loop_kind: LoopKind
) -> None:
    key = stored_key(settings_for(tmp_path, redis_url))
    path = f"/v1/{key.key.public_key}/consent/config"

    async def burst() -> tuple[Counter[int], list[str]]:
        # Twenty connections per instance, reused: the burst is the requests, not TCP set-ups.
        limits = httpx.Limits(max_connections=20 * INSTANCES)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            answers = await asyncio.gather(
                *(
                    http.get(
                        f"http://127.0.0.1:{fleet.ports[i % INSTANCES]}{path}",
                        headers={"Origin": SITE},
                    )
                    for i in range(REQUESTS)
                )
            )
            ready = [
                (await http.get(f"http://127.0.0.1:{port}/readyz")).json()["checks"]["limiter"]
                for port in fleet.ports
            ]
        return Counter(a.status_code for a in answers), ready

    codes, ready = run_sync(burst())
    assert codes == {200: 100, 429: 200}
    assert ready == ["ok"] * INSTANCES
    log = fleet.log_text()
    expected = "(uvloop, httptools)" if loop_kind == "uvloop" else "(asyncio, h11)"
    assert log.count(expected) == INSTANCES
    assert "rate limits: Redis failed" not in log
