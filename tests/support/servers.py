"""Real HTTP servers on loopback for tests: any ASGI app served by uvicorn in a thread."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from tests.support.aio import current_loop
from tests.support.processes import free_port, wait_for_port


class ServerThread:
    """Serve ``app`` with uvicorn on ``127.0.0.1`` (or another loopback ``host``, such as
    ``127.0.0.2`` for a second site) and a free port, in a background thread.

    Runs on the test's kind of event loop (see tests/support/aio.py) unless ``loop`` is given.
    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self, app: Any, port: int | None = None, host: str = "127.0.0.1", **config: Any
    ) -> None:
        self.port = port or free_port()
        self.host = host
        config.setdefault("loop", current_loop())
        self.config = uvicorn.Config(
            app, host=host, port=self.port, log_level="warning", lifespan="on", **config
        )
        self.server = uvicorn.Server(self.config)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"server on port {self.port} failed to start")
            if time.monotonic() > deadline:
                raise TimeoutError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        wait_for_port(self.port, host=self.host)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=15)
            self.thread = None

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
