"""A gateway instance's delivery workers in their own process, for tests that SIGKILL one.

Reads the same ``GATEWAY_*`` settings as the gateway, builds its sinks and runs the delivery
workers until killed: ``python -m tests.support.delivery_instance``.
"""

from __future__ import annotations

import asyncio
import os
import time

from gateway import redis_client
from gateway.delivery.assertion import AssertionSigner
from gateway.delivery.sinks import build_sinks
from gateway.delivery.workers import DeliveryPolicy, start_workers
from gateway.oauth.parts import ASSERTION_KEY_RETENTION, open_keyring
from gateway.oauth.signing_keys import ASSERTION_KEYS
from gateway.settings import Settings


async def main() -> None:
    settings = Settings.from_env(os.environ)
    client = redis_client.connect(settings) if settings.redis_url is not None else None
    sinks = build_sinks(settings, client)
    keys = open_keyring(settings, client, ASSERTION_KEYS, ASSERTION_KEY_RETENTION, time.time)
    signer = AssertionSigner(keys.signing_key)
    start_workers(sinks.values(), signer, DeliveryPolicy.from_settings(settings))
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
