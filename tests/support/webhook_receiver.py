"""A real webhook receiver on loopback: verifies each message's signature with the Standard
Webhooks library, as a site owner's service would, and keeps what it verified.

``mode`` makes it answer ``204`` (``"ok"``) or ``500`` (``"fail"``); every request is counted in
``hits`` whatever the answer. ``secrets`` are the signing secrets it accepts (any of them).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.types import Receive, Scope, Send


@dataclass
class Received:
    message_id: str
    payload: dict[str, Any]
    headers: dict[str, str]
    verified_with: list[int]


@dataclass
class WebhookReceiver:
    secrets: list[str] = field(default_factory=list)
    mode: str = "ok"
    hits: Counter[str] = field(default_factory=Counter)
    accepted: list[Received] = field(default_factory=list)
    unverified: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def types(self) -> list[str]:
        with self.lock:
            return [r.payload["type"] for r in self.accepted]

    def of_type(self, kind: str) -> list[Received]:
        with self.lock:
            return [r for r in self.accepted if r.payload["type"] == kind]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        message_id = headers.get("webhook-id", "")
        with self.lock:
            self.hits[message_id] += 1
        if self.mode == "fail":
            await _answer(send, 500)
            return
        good = []
        for index, secret in enumerate(self.secrets):
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            good.append(index)
        if not good:
            with self.lock:
                self.unverified += 1
            await _answer(send, 401)
            return
        with self.lock:
            self.accepted.append(Received(message_id, json.loads(body), headers, good))
        await _answer(send, 204)


async def _answer(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})
