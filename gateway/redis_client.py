"""Redis clients with short timeouts, for a single server, Sentinel or Cluster.

A dead Redis must cost a request at most ``settings.redis_timeout``, never the client library's
default of waiting forever, so every client here sets connect and socket timeouts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel

from gateway.settings import Settings, SettingsError


def connect(settings: Settings, *, blocking: bool = False) -> aioredis.Redis:
    """A client for ``settings.redis_url``.

    ``blocking=True`` gives a client without a socket timeout, for pub/sub and blocking stream
    reads that wait on purpose; it still fails fast when connecting.
    """
    if settings.redis_url is None:
        raise SettingsError("REDIS_URL", "is not set")
    url = str(settings.redis_url)
    options: dict[str, Any] = {
        "socket_connect_timeout": settings.redis_timeout,
        "socket_timeout": None if blocking else settings.redis_timeout,
        "health_check_interval": 10,
        "retry_on_timeout": False,
    }
    if url.startswith("redis+sentinel://"):
        return _sentinel(url, options)
    if url.startswith("redis+cluster://"):
        cluster: aioredis.Redis = aioredis.RedisCluster.from_url(  # type: ignore[assignment]
            "redis://" + url.removeprefix("redis+cluster://"),
            socket_connect_timeout=options["socket_connect_timeout"],
            socket_timeout=options["socket_timeout"],
        )
        return cluster
    return aioredis.Redis.from_url(url, **options)


def _sentinel(url: str, options: dict[str, Any]) -> aioredis.Redis:
    """``redis+sentinel://[:password@]host:port[,host:port…]/service[/db]``."""
    parts = urlsplit(url)
    hosts = []
    for item in parts.netloc.rsplit("@", 1)[-1].split(","):
        host, _, port = item.partition(":")
        hosts.append((host, int(port or 26379)))
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise SettingsError("REDIS_URL", "a Sentinel URL needs the service name as its path")
    password = parts.password
    db = int(path[1]) if len(path) > 1 else int(parse_qs(parts.query).get("db", ["0"])[0])
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        hosts, sentinel_kwargs={"socket_timeout": options["socket_connect_timeout"]}
    )
    master: aioredis.Redis = sentinel.master_for(path[0], password=password, db=db, **options)
    return master
