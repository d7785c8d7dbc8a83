"""The Redis outbox and the stream sink on a real Redis Cluster: every record accepted arrives,
once, including records accepted while the master of the outbox's slot fails over."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.stream import RedisStreamSink
from gateway.delivery.workers import start_workers
from gateway.errors import SinkUnavailable
from gateway.redis_client import connect_cluster
from tests.delivery.test_delivery import FAST, _drained
from tests.support.aio import run as run_sync
from tests.support.cluster import RedisClusterServers
from tests.support.processes import free_port
from tests.support.receiver import JWKS, SIGNER, Receiver, envelope, record, wait_until
from tests.support.servers import ServerThread


def test_records_through_the_outbox_on_the_cluster_arrive_once_across_a_failover(
    cluster_url: str, redis_cluster: RedisClusterServers, tmp_path: Path
) -> None:
    port = free_port()
    receiver = Receiver(JWKS, tmp_path / "service.db")

    async def scenario() -> list[str]:
        client = connect_cluster(cluster_url, 0.5, 0.5)
        queue = RedisOutbox(client, "consent", claim_idle=2.0)
        sink = HttpSink("consent", f"http://127.0.0.1:{port}/records", queue)
        handle = start_workers([sink], SIGNER, FAST)
        accepted: list[str] = []
        try:
            for n in range(20):
                await sink.write(envelope(record(n)))
                accepted.append(f"rec_{n:05d}")
            await wait_until(lambda: len(receiver.stored) == 20, timeout=30)
            redis_cluster.master_of(queue.stream).kill()
            # Writes are refused (the widget answers 503 and retries) or accepted; an accepted
            # one is never lost.
            n = 20
            while len(accepted) < 40:
                try:
                    await sink.write(envelope(record(n)))
                except SinkUnavailable:
                    # Refused until the replica is promoted: try again once the cluster says so.
                    await asyncio.to_thread(redis_cluster.wait_until_ok)
                else:
                    accepted.append(f"rec_{n:05d}")
                n += 1
            await wait_until(lambda: set(accepted) <= set(receiver.stored), timeout=60)
            await wait_until(lambda: _drained(queue), timeout=30)
            return accepted
        finally:
            await handle.stop()
            await sink.close()
            await client.aclose()

    with ServerThread(receiver, port=port):
        accepted = run_sync(scenario())
    assert set(accepted) <= set(receiver.stored)


def test_the_stream_sink_adds_each_record_to_its_stream_on_the_cluster(
    cluster_url: str, redis_cluster: RedisClusterServers
) -> None:
    async def scenario() -> None:
        client = connect_cluster(cluster_url, 0.5, 0.5)
        try:
            sink = RedisStreamSink("consent", client, "consents")
            for n in range(5):
                await sink.write(envelope(record(n)))
            assert await sink.check()
        finally:
            await client.aclose()

    run_sync(scenario())
    with redis_cluster.client() as cluster:
        entries = cluster.xrange("consents")
    assert [e[1][b"record_id"].decode() for e in entries] == [f"rec_{n:05d}" for n in range(5)]
