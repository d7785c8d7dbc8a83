"""A real receiving service for delivery tests: the example service behind a fault switch.

It verifies assertions with public keys only: ``JWKS`` (the public half of ``ASSERTION_KEY``,
which ``SIGNER`` signs with, for workers started by a test) or a ``Jwks`` fetching a running
gateway's ``/.well-known/assertion-jwks.json``. Its audience is the URL it is reached at,
taken from the socket it listens on (``http://127.0.0.1:PORT/records``).

``Receiver.mode`` makes it answer normally (``"ok"``), slowly (``"slow"``: waits ``delay``
seconds first), with ``503`` or with ``400``; ``hits`` counts posts per idempotency key, whatever
the answer. :class:`GarbageServer` answers any connection with bytes that are not HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import socket
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from gateway.delivery.assertion import AssertionSigner
from gateway.delivery.envelope import Envelope, Kind
from gateway.oauth.signing_keys import SigningKey

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def load_example() -> Any:
    spec = importlib.util.spec_from_file_location(
        "receiving_service", ROOT / "examples" / "receiving_service.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gateway_jwks(gateway_url: str) -> Any:
    """The example's key source for a running gateway's assertion JWKS, fetched over HTTP."""
    return load_example().Jwks(gateway_url + "/.well-known/assertion-jwks.json")


class Receiver:
    def __init__(self, jwks: Any, db_path: Path, max_age: float = 3600) -> None:
        self.db_path = db_path
        example = load_example()
        source = jwks if isinstance(jwks, example.Jwks) else example.Jwks.fixed(jwks)
        self.inner = example.create_app(source, "", str(db_path), max_age=max_age)
        self.mode = "ok"
        self.delay = 0.0
        self.hits: Counter[str] = Counter()
        self.holding = 0
        # Each post the service read: its headers and body, as sent.
        self.seen: list[tuple[dict[str, str], bytes]] = []

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
            host, port = scope["server"]
            self.inner.state.audience = f"http://{host}:{port}/records"
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
            receive = self._tap(scope, receive)
        await self.inner(scope, receive, send)

    def _tap(self, scope: Scope, receive: Receive) -> Receive:
        parts: list[bytes] = []
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}

        async def tapped() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                parts.append(message.get("body", b""))
                if not message.get("more_body"):
                    self.seen.append((headers, b"".join(parts)))
            return message

        return tapped


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


# The gateway's shared secret, for test instances (receipts, form tokens).
SECRETS = ["delivery-test-secret-0123456789abcdef-0123456789"]
ASSERTION_KEY = SigningKey.generate(time.time())
JWKS = {"keys": [ASSERTION_KEY.public()]}


async def _current_key() -> Any:
    return ASSERTION_KEY.kid, ASSERTION_KEY.key()


SIGNER = AssertionSigner(_current_key)


async def seed_assertion_key(redis_url: str | None = None, data_dir: Path | None = None) -> None:
    """Make ``ASSERTION_KEY`` the current assertion key of gateway instances on this Redis (or
    data folder), so a receiver with ``JWKS`` verifies what they sign."""
    from gateway.oauth.signing_keys import (
        ASSERTION_KEYS,
        FileSigningKeyStore,
        RedisSigningKeyStore,
    )

    if redis_url is not None:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url)
        await RedisSigningKeyStore(client, ASSERTION_KEYS).add(ASSERTION_KEY)
        await client.aclose()
    else:
        assert data_dir is not None
        await FileSigningKeyStore(data_dir, ASSERTION_KEYS).add(ASSERTION_KEY)


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
