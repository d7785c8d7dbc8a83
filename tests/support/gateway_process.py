"""A real ``widget-gateway serve`` process for tests, with its output kept in files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.processes import free_port


class GatewayProcess:
    """``python -m gateway serve`` on free loopback ports, ``env`` added to a clean
    environment (no ``GATEWAY_*`` of the caller's)."""

    def __init__(
        self,
        folder: Path,
        env: dict[str, str] | None = None,
        *args: str,
        host: str = "127.0.0.1",
        operator: bool = False,
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.operator_port = free_port() if operator else None
        self.host = host
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.env.update({"GATEWAY_DATA_DIR": str(folder / "data"), **(env or {})})
        self.args = list(args)
        if self.operator_port is not None:
            self.args += ["--operator-port", str(self.operator_port)]
        self.stdout_path = folder / "stdout.txt"
        self.stderr_path = folder / "stderr.txt"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def operator_url(self) -> str:
        return f"http://127.0.0.1:{self.operator_port}"

    def start(self, timeout: float = 120.0) -> GatewayProcess:
        command = [sys.executable, "-m", "gateway", "serve", "--host", self.host]
        command += ["--port", str(self.port), *self.args]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited {self.process.returncode}: {self.output()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"serve did not answer: {self.output()}")
            time.sleep(0.05)

    def output(self) -> str:
        text = ""
        for path in (self.stdout_path, self.stderr_path):
            if path.exists():
                text += path.read_text(errors="replace")
        return text

    def terminate(self) -> None:
        """Send SIGTERM (as an orchestrator does)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
