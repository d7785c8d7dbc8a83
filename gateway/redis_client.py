"""Redis clients with short timeouts, for a single server, Sentinel or Cluster.

A dead Redis must cost a request at most ``settings.redis_timeout``, never the client library's
default of waiting forever, so every client here sets connect and socket timeouts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, ClusterPipeline
from redis.asyncio.connection import Connection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

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
        cluster: aioredis.Redis = connect_cluster(  # type: ignore[assignment]
            url, settings.redis_timeout, None if blocking else settings.redis_timeout
        )
        return cluster
    return aioredis.Redis.from_url(url, **options)


def connect_cluster(
    url: str, connect_timeout: float, socket_timeout: float | None
) -> aioredis.RedisCluster:
    """A Redis Cluster client for ``redis+cluster://[:password@]host:port[,…]``: the nodes
    named are where it starts; it learns the others and the slot map from them.

    A command to a master that died is retried a few times over about half a second while the
    client reloads the slot map, then fails: the cluster promotes a replica only after its
    ``cluster-node-timeout``, and a request should not wait that long.
    """
    rest = url.removeprefix("redis+cluster://")
    auth, _, hosts = rest.rpartition("@")
    nodes = []
    for item in hosts.split("/", 1)[0].split(","):
        host, _, port = item.partition(":")
        nodes.append(ClusterNode(host, int(port or 6379)))
    password = urlsplit("redis://" + auth + "@x").password if auth else None
    client = _Cluster(
        startup_nodes=nodes,
        password=password,
        socket_connect_timeout=connect_timeout,
        socket_timeout=socket_timeout,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 4),
    )
    # The cluster client takes no connection class of its own choosing: set it on the nodes
    # it starts from and on those it will discover.
    client.connection_kwargs["connection_class"] = _ClusterConnection
    for node in client.nodes_manager.startup_nodes.values():
        node.connection_class = _ClusterConnection
    return client


class _Cluster(aioredis.RedisCluster):
    """redis-py's cluster client, failing with a ``ConnectionError`` when no node answers.

    redis-py raises ``RedisClusterException`` (not a ``RedisError``) when it cannot reach any
    node to learn the slot map, and, in its newer versions, from a command or a pipeline once a
    refresh of the map reached no node (``RedisClusterUnreachableError``) or a slot has no
    master (``SlotNotCoveredError``). Every part of the gateway treats ``RedisError`` as "Redis
    is unavailable" (fall back, answer 503, report degraded), so each is made one.
    """

    async def initialize(self, *args: Any, **kwargs: Any) -> aioredis.RedisCluster:
        with _unreachable_as_connection_error():
            return await super().initialize(*args, **kwargs)

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        with _unreachable_as_connection_error():
            return await super().execute_command(*args, **kwargs)

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> Any:
        if shard_hint:
            return super().pipeline(transaction, shard_hint)  # refused by redis-py
        return _ClusterPipeline(self, transaction)  # type: ignore[abstract]

    def reload_slots(self) -> None:
        """Learn the slot map again before the next command, as redis-py does itself after a
        connection error in a plain command (a pipeline that does not raise does not)."""
        self._initialize = True


class _ClusterPipeline(ClusterPipeline):
    """A cluster pipeline failing as :class:`_Cluster` does when no node answers."""

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> Any:
        with _unreachable_as_connection_error():
            return await super().execute(raise_on_error, allow_redirections)


@contextlib.contextmanager
def _unreachable_as_connection_error() -> Iterator[None]:
    """redis-py's cluster errors of its own (no node answers, a slot without a master) as the
    ``ConnectionError`` every caller treats as "Redis is unavailable"."""
    try:
        yield
    except RedisClusterException as exc:
        raise RedisConnectionError("no node of the Redis Cluster answers") from exc


class _ClusterConnection(Connection):
    """A cluster node's connection that fails as a connection error when it was closed under it.

    When a node fails, redis-py's cluster client disconnects that node's connections while other
    commands of the same process are about to use them; writing then raises ``RuntimeError``
    (uvloop: the handle is closed) or ``AttributeError`` (asyncio: the writer is gone) instead of
    ``ConnectionError``. As a ``ConnectionError`` the client retries the command on the new slot
    map, and callers see the only error Redis failures are expected to raise.
    """

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        try:
            await super().send_packed_command(command, check_health)
        except (RuntimeError, AttributeError) as exc:
            await self.disconnect(nowait=True)
            raise RedisConnectionError("the connection was closed while in use") from exc

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().read_response(*args, **kwargs)
        except (RuntimeError, AttributeError) as exc:
            await self.disconnect(nowait=True)
            raise RedisConnectionError("the connection was closed while in use") from exc


async def discover(client: aioredis.Redis) -> None:
    """On a Cluster, learn the slot map now, before requests arrive together: left to the first
    commands of a burst, each starts the discovery and closes connections the others opened.
    A cluster that cannot be reached yet is discovered later, by the first command."""
    if isinstance(client, aioredis.RedisCluster):
        with contextlib.suppress(Exception):
            await client.initialize()


def is_replicated(settings: Settings) -> bool:
    """Whether ``settings.redis_url`` names a topology with replicas: Sentinel or Cluster."""
    url = str(settings.redis_url or "")
    return url.startswith(("redis+sentinel://", "redis+cluster://"))


async def write_and_wait(
    client: aioredis.Redis, key: str, command: Sequence[Any], replicas: int, timeout_ms: int
) -> tuple[Any, int]:
    """Run the write ``command`` (on ``key``), then ``WAIT replicas timeout_ms``: its reply and
    how many replicas confirmed holding it.

    ``WAIT`` counts the writes sent on its own connection, so both go in one pipeline, on one
    connection to the master of ``key`` (one round trip, plus the replicas' acknowledgement).
    A failed write raises ``RedisError``; a write done whose ``WAIT`` failed, or whose slot
    moved meanwhile (the ``WAIT`` went to the old master), counts 0 replicas.
    """
    if isinstance(client, _Cluster):
        return await _cluster_write_and_wait(client, key, command, replicas, timeout_ms)
    async with client.pipeline(transaction=False) as pipe:
        pipe.execute_command(*command)
        pipe.execute_command("WAIT", replicas, timeout_ms)
        reply, confirmed = await pipe.execute(raise_on_error=False)
    if isinstance(reply, BaseException):
        raise reply
    return reply, confirmed if isinstance(confirmed, int) else 0


async def _cluster_write_and_wait(
    client: _Cluster, key: str, command: Sequence[Any], replicas: int, timeout_ms: int
) -> tuple[Any, int]:
    try:
        await client.initialize()
        node = client.get_node_from_key(key)
    except RedisClusterException as exc:  # the slot has no master in the map now
        client.reload_slots()
        raise RedisConnectionError("no master serves the slot") from exc
    pipe = client.pipeline()
    pipe.execute_command(*command)
    pipe.execute_command("WAIT", replicas, timeout_ms, target_nodes=node)
    reply, confirmed = await pipe.execute(raise_on_error=False)
    if isinstance(reply, (RedisConnectionError, RedisTimeoutError)):
        client.reload_slots()
    if isinstance(reply, BaseException):
        raise reply if isinstance(reply, RedisError) else RedisConnectionError(str(reply))
    try:
        moved = client.get_node_from_key(key).name != node.name  # type: ignore[union-attr]
    except RedisClusterException:
        moved = True
    return reply, 0 if moved or not isinstance(confirmed, int) else confirmed


def is_cluster(client: aioredis.Redis) -> bool:
    """Whether ``client`` talks to a Redis Cluster (keys of one command must share a slot)."""
    return isinstance(client, aioredis.RedisCluster)


async def get_many(client: aioredis.Redis, names: Sequence[str]) -> list[Any]:
    """``GET`` of each name, in one round trip on a single Redis; on a Cluster, one per node
    holding some of them (``MGET`` would refuse names of several slots)."""
    if not names:
        return []
    async with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.get(name)
        values: list[Any] = await pipe.execute()
    return values


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
    sentinel = Sentinel(
        hosts, sentinel_kwargs={"socket_timeout": options["socket_connect_timeout"]}
    )
    master: aioredis.Redis = sentinel.master_for(path[0], password=password, db=db, **options)
    return master
