"""A receiving service for the gateway's HTTP sinks: checks the assertion, stores each record once.

Run it next to a gateway configured with ``GATEWAY_CONSENT_SINK=http://127.0.0.1:9100/records``::

    RECEIVER_JWKS_URL=https://gw.example/.well-known/assertion-jwks.json \
    RECEIVER_AUDIENCE=http://127.0.0.1:9100/records \
    RECEIVER_DB=records.sqlite3 python examples/receiving_service.py 9100

What it shows:

- the ``X-Gateway-Assertion`` header is checked with
  :func:`gateway.delivery.assertion.verify_jws_assertion` against the gateway's published
  public keys only (no secret of the gateway's here: this service can check assertions but
  never make one), for this service's own URL as audience (an assertion meant for another
  service is refused), and against the raw body (a forged or altered record gets ``401``);
- the keys are fetched from the JWKS URL, kept, and fetched again when an assertion names a
  key not seen yet (the gateway rotated), at most once a second;
- records are de-duplicated by ``Idempotency-Key``: the gateway may post a record twice after a
  crash, and the second post answers ``200`` without storing anything;
- a record is committed to SQLite (``synchronous=FULL``) before the ``2xx``, so the gateway only
  forgets a record the service durably has.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.delivery.assertion import HEADER, verify_jws_assertion
from gateway.errors import AssertionRefused, problem_response

# Deliveries are retried for days (GATEWAY_DELIVERY_MAX_AGE): accept assertions that old.
DEFAULT_MAX_AGE = 7 * 86400.0


class Jwks:
    """The gateway's assertion keys, from its JWKS URL (or given, ``fixed``)."""

    def __init__(self, url: str | None = None, keys: dict[str, Any] | None = None) -> None:
        self.url = url
        self.keys = KeySet(KeySet.import_key_set(keys).keys if keys else [])  # type: ignore[arg-type]
        self.fetched_at = float("-inf")
        self.lock = asyncio.Lock()

    @classmethod
    def fixed(cls, jwks: dict[str, Any]) -> Jwks:
        return cls(None, jwks)

    async def for_assertion(self, header: str | None) -> KeySet:
        """The keys, fetched first when ``header`` names a key not known yet."""
        kid = _kid(header)
        known = {k.kid for k in self.keys.keys}
        if self.url is not None and kid is not None and kid not in known:
            async with self.lock:
                loop = asyncio.get_running_loop()
                if loop.time() - self.fetched_at >= 1.0:
                    self.fetched_at = loop.time()
                    async with httpx.AsyncClient(timeout=5) as client:
                        answer = await client.get(self.url)
                    answer.raise_for_status()
                    self.keys = KeySet.import_key_set(answer.json())
        return self.keys


def _kid(header: str | None) -> str | None:
    try:
        kid = extract_compact((header or "").encode()).headers().get("kid")
    except (JoseError, ValueError, UnicodeError):
        return None
    return kid if isinstance(kid, str) else None


class RecordStore:
    """SQLite table of records keyed by idempotency key."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS records ("
            " idempotency_key TEXT PRIMARY KEY, account TEXT, body TEXT, stored_at REAL)"
        )
        self.lock = threading.Lock()

    def add(self, key: str, account: str, body: str, now: float) -> bool:
        """Store a record; False when the key was already stored."""
        with self.lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO records VALUES (?, ?, ?, ?)", (key, account, body, now)
            )
            return cursor.rowcount == 1

    def keys(self) -> list[str]:
        with self.lock:
            return [row[0] for row in self.db.execute("SELECT idempotency_key FROM records")]

    def close(self) -> None:
        self.db.close()


def create_app(
    jwks: Jwks, audience: str, db_path: str, *, max_age: float = DEFAULT_MAX_AGE
) -> Starlette:
    """``audience``: this service's URL exactly as the gateway's operator configured it."""

    async def receive(request: Request) -> Response:
        body = await request.body()
        header = request.headers.get(HEADER)
        try:
            keys = await jwks.for_assertion(header)
        except httpx.HTTPError:
            return Response(status_code=503)  # the gateway retries; nothing is lost
        try:
            claims = verify_jws_assertion(
                header, keys, request.app.state.audience, max_age, body=body
            )
        except AssertionRefused as exc:
            return problem_response(exc)
        key = request.headers.get("Idempotency-Key", "")
        if key != claims.record_id:
            return problem_response(AssertionRefused("idempotency key does not match"))
        try:
            record: Any = json.loads(body)
        except ValueError:
            return problem_response(AssertionRefused("body is not JSON"))
        store: RecordStore = request.app.state.store
        new = await asyncio.to_thread(
            store.add, key, claims.account, json.dumps(record), claims.signed_at
        )
        return JSONResponse({"stored": new}, status_code=201 if new else 200)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.store = RecordStore(db_path)
        yield
        app.state.store.close()

    app = Starlette(routes=[Route("/records", receive, methods=["POST"])], lifespan=lifespan)
    app.state.audience = audience
    return app


def main(argv: Sequence[str]) -> None:
    import uvicorn

    url, audience = os.environ.get("RECEIVER_JWKS_URL"), os.environ.get("RECEIVER_AUDIENCE")
    if not url or not audience:
        sys.exit("set RECEIVER_JWKS_URL (the gateway's assertion JWKS) and RECEIVER_AUDIENCE")
    port = int(argv[1]) if len(argv) > 1 else 9100
    app = create_app(Jwks(url), audience, os.environ.get("RECEIVER_DB", "records.sqlite3"))
    uvicorn.run(app, host="127.0.0.1", port=port)


if __name__ == "__main__":
    main(sys.argv)
