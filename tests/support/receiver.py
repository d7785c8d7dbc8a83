"""A real receiving service for delivery tests: the example service behind a fault switch.

``Receiver.mode`` makes it answer normally (``"ok"``), slowly (``"slow"``: waits ``delay``
seconds first), with ``503`` or with ``400``; ``hits`` counts posts per idempotency key, whatever
the answer. :class:`GarbageServer` answers any connection with bytes that are not HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import socket
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from gateway.delivery.envelope import Envelope, Kind

ROOT = Path(__file__).resolve().parents[2]


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location(
        "receiving_service", ROOT / "examples" / "receiving_service.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Receiver:
    def __init__(self, secrets: Sequence[str], db_path: Path, max_age: float = 3600) -> None:
        self.db_path = db_path
        self.inner = load_example().create_app(list(secrets), str(db_path), max_age=max_age)
        self.mode = "ok"
        self.delay = 0.0
        self.hits: Counter[str] = Counter()
        self.holding = 0

    @property
    def stored(self) -> list[str]:
        """Idempotency keys the service stored, each once."""
        if not self.db_path.exists():
            return []
        db = sqlite3.connect(self.db_path)
        try:
            return [row[0] for row in db.execute("SELECT idempotency_key FROM records")]
        except sqlite3.OperationalError:  # table not created yet
            return []
        finally:
            db.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            self.hits[headers.get(b"idempotency-key", b"").decode()] += 1
            if self.mode == "slow":
                # Waits in small steps so switching the mode releases held requests, which then
                # get the answer of the new mode.
                self.holding += 1
                waited = 0.0
                while self.mode == "slow" and waited < self.delay:
                    await asyncio.sleep(0.05)
                    waited += 0.05
                self.holding -= 1
            if self.mode in ("503", "400"):
                status = int(self.mode)
                await send({"type": "http.response.start", "status": status, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.inner(scope, receive, send)


class GarbageServer:
    """Accepts connections on ``port`` and answers each with non-HTTP bytes."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(b"\x00\xff\xfe garbage, not HTTP \x07\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)


SECRETS = ["delivery-test-secret-0123456789abcdef-0123456789"]


async def wait_until(condition: Any, timeout: float = 30.0, interval: float = 0.05) -> None:
    """Poll ``condition`` (sync or async) until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def record(n: int, prefix: str = "rec") -> dict[str, Any]:
    """A consent record shaped like the gateway's."""
    return {
        "record_id": f"{prefix}_{n:05d}",
        "consent_id": f"c_{n}",
        "action": "accept_all",
        "key": "pk_test",
        "account": "acct_1",
        "origin": "https://shop.example",
        "received_at": "2025-01-01T00:00:00Z",
    }


def envelope(body: dict[str, Any]) -> Envelope:
    """``body`` in the envelope the gateway's endpoints hand to a sink."""
    kind: Kind = (
        "rights_request" if "reference" in body and not body.get("record_id") else "consent"
    )
    return Envelope(
        kind=kind,
        id=str(body.get("record_id") or body.get("reference")),
        received_at=str(body.get("received_at", "2025-01-01T00:00:00.000Z")),
        public_key=str(body.get("key", "pk_test")),
        account=str(body.get("account", "acct_1")),
        origin=str(body.get("origin", "https://shop.example")),
        body=body,
    )
