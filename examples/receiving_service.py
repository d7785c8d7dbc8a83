"""A receiving service for the gateway's HTTP sinks: checks the assertion, stores each record once.

Run it next to a gateway configured with ``GATEWAY_CONSENT_SINK=http://127.0.0.1:9100/records``::

    GATEWAY_SECRET_KEY=… RECEIVER_DB=records.sqlite3 python examples/receiving_service.py 9100

What it shows:

- the ``X-Gateway-Assertion`` header is checked with
  :func:`gateway.delivery.assertion.verify_assertion`
  against the raw body (a forged or altered record gets ``401``);
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

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.delivery.assertion import HEADER, verify_assertion
from gateway.errors import AssertionRefused, problem_response

# Deliveries are retried for days (GATEWAY_DELIVERY_MAX_AGE): accept assertions that old.
DEFAULT_MAX_AGE = 7 * 86400.0


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
    secrets: Sequence[str], db_path: str, *, max_age: float = DEFAULT_MAX_AGE
) -> Starlette:
    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            claims = verify_assertion(request.headers.get(HEADER), secrets, max_age, body=body)
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

    return Starlette(routes=[Route("/records", receive, methods=["POST"])], lifespan=lifespan)


def main(argv: Sequence[str]) -> None:
    import uvicorn

    secrets = [s for s in os.environ.get("GATEWAY_SECRET_KEY", "").split(",") if s]
    if not secrets:
        sys.exit("set GATEWAY_SECRET_KEY to the gateway's signing secrets")
    port = int(argv[1]) if len(argv) > 1 else 9100
    app = create_app(secrets, os.environ.get("RECEIVER_DB", "records.sqlite3"))
    uvicorn.run(app, host="127.0.0.1", port=port)


if __name__ == "__main__":
    main(sys.argv)
