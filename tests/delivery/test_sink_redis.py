"""The redis-stream sink: services read records with their own consumer groups."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis

from gateway import redis_client
from gateway.delivery.sinks import build_sinks
from gateway.delivery.stream import RedisStreamSink
from gateway.errors import SinkUnavailable
from gateway.settings import Settings
from tests.support.aio import run as run_sync
from tests.support.processes import RedisServer
from tests.support.receiver import SECRETS, envelope, record


def test_a_service_consumer_group_reads_each_record(redis_url: str) -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_REDIS_URL": redis_url,
            "GATEWAY_SECRET_KEY": SECRETS[0],
            "GATEWAY_RIGHTS_SINK": "redis-stream://rights-requests",
        }
    )

    async def scenario() -> None:
        client = Redis.from_url(redis_url)
        sink = build_sinks(settings, client)["rights"]
        assert isinstance(sink, RedisStreamSink) and await sink.check()
        # The service's side, as docs/delivery.md shows it.
        await client.xgroup_create("rights-requests", "rights-service", id="0", mkstream=True)
        for n in range(3):
            await sink.write(envelope({**record(n), "record_id": None, "reference": f"WG-{n}"}))
        reply = await client.xreadgroup(
            "rights-service", "replica-1", {"rights-requests": ">"}, count=10
        )
        [(_stream, entries)] = reply
        refs = [json.loads(fields[b"record"])["reference"] for _id, fields in entries]
        assert refs == ["WG-0", "WG-1", "WG-2"]
        assert [fields[b"record_id"] for _id, fields in entries] == [b"WG-0", b"WG-1", b"WG-2"]
        await client.aclose()

    run_sync(scenario())


@pytest.mark.redis
def test_a_record_is_refused_when_redis_is_down() -> None:
    server = RedisServer()
    server.start()
    settings = Settings.from_env(
        {"GATEWAY_REDIS_URL": server.url, "GATEWAY_SECRET_KEY": SECRETS[0]}
    )

    async def scenario() -> None:
        client = redis_client.connect(settings)
        sink = RedisStreamSink("consent", client, "consent-records")
        await sink.write(envelope(record(1)))
        server.stop()
        assert not await sink.check()
        with pytest.raises(SinkUnavailable):
            await sink.write(envelope(record(2)))
        await client.aclose()

    try:
        run_sync(scenario())
    finally:
        server.close()
