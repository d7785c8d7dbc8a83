"""``widget-gateway demo`` as a real subprocess on free ports, with its output read as it comes."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from tests.support.processes import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"demo key\s+(pk_[a-z2-7]+) \((created|reused)")


class Demo:
    """One run of the demo; :meth:`start` waits for its "Ready." line."""

    def __init__(
        self, data_dir: Path, port: int | None = None, site_port: int | None = None, **env: str
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.site_port = site_port or free_port()
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        self.env.pop("GATEWAY_REDIS_URL", None)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.process: subprocess.Popen[str] | None = None

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def site_url(self) -> str:
        return f"http://localhost:{self.site_port}"

    def args(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gateway",
            "demo",
            "--port",
            str(self.port),
            "--site-port",
            str(self.site_port),
            "--data-dir",
            str(self.data_dir),
        ]

    def start(self, timeout: float = 30.0) -> Demo:
        self.process = subprocess.Popen(
            self.args(),
            cwd=ROOT,
            env=self.env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self.wait_for_line("Ready.", timeout)
        wait_for_port(self.port)
        wait_for_port(self.site_port)
        return self

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if text in line:
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no line with {text!r}; output so far: {self.lines}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"the demo exited; output: {self.lines}")
            self.lines.append(line)

    def key(self) -> tuple[str, str]:
        """(public key, "created" or "reused") from the start-up lines."""
        for line in self.lines:
            found = KEY.search(line)
            if found:
                return found.group(1), found.group(2)
        raise AssertionError(f"no demo key line in {self.lines}")

    def stop(self, signum: int = signal.SIGINT, timeout: float = 20.0) -> int:
        """Send ``signum`` and return the exit status, once the output has been read."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
        code = self.process.wait(timeout=timeout)
        while True:
            try:
                line = self._queue.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
