"""The ``redis-stream://NAME`` sink: each record is one entry of a Redis stream.

The services read the stream with their own consumer groups (``XGROUP CREATE NAME GROUP 0``,
then ``XREADGROUP`` and ``XACK``), so several replicas of a service share the work and an
unacknowledged entry is never lost; ``docs/delivery.md`` shows the loop. The gateway never trims
the stream: the services do, once they have what they need (``XTRIM NAME MINID …``).
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.delivery.envelope import Envelope
from gateway.errors import SinkUnavailable


class RedisStreamSink:
    """Adds each record to a stream: field ``record`` (JSON) and ``record_id``."""

    def __init__(self, service: str, redis: Redis, stream: str) -> None:
        self.service = service
        self.redis = redis
        self.stream = stream

    @property
    def label(self) -> str:
        return f"redis-stream://{self.stream}"

    async def write(self, record: Envelope) -> None:
        fields = {"record": record.wire(), "record_id": record.id}
        try:
            await self.redis.xadd(self.stream, fields)  # type: ignore[arg-type]
        except RedisError:
            raise SinkUnavailable(f"the {self.service} stream is unavailable") from None

    async def check(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except RedisError:
            return False

    async def close(self) -> None:
        # The Redis client belongs to the app; it closes it.
        return None
