"""Outbox writes confirmed by a replica (``WAIT``) on a real Redis Cluster: a write its replica
confirms is in the replica when ``write`` returns; one no replica confirms is kept in the local
spool as well, and reaches the service even when the master then dies with every write it had
not copied."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.replicas import ReplicaWait
from gateway.delivery.spool import FileSpool
from gateway.delivery.workers import start_workers
from gateway.redis_client import connect_cluster
from tests.delivery.test_delivery import FAST
from tests.gwclient import settings_for
from tests.support.aio import run as run_sync
from tests.support.cluster import ClusterNode, RedisClusterServers
from tests.support.processes import free_port
from tests.support.receiver import JWKS, SIGNER, Receiver, envelope, record, wait_until
from tests.support.servers import ServerThread


@pytest.mark.parametrize(
    ("url", "replicas", "expected"),
    [
        ("redis://127.0.0.1:6379/0", 1, None),
        ("redis+sentinel://127.0.0.1:26379/wg/0", 1, ReplicaWait(1, 100)),
        ("redis+cluster://127.0.0.1:7000", 2, ReplicaWait(2, 100)),
        ("redis+cluster://127.0.0.1:7000", 0, None),
    ],
    ids=["single-redis", "sentinel", "cluster", "turned-off"],
)
def test_only_replicated_topologies_wait(
    url: str, replicas: int, expected: ReplicaWait | None, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, url, redis_wait_replicas=replicas)
    assert ReplicaWait.from_settings(settings) == expected


def _replica_length(replica: ClusterNode, stream: str) -> int:
    with replica.client() as client:
        client.execute_command("READONLY")  # a replica answers reads of its slots
        return int(client.xlen(stream))


def _linked(replica: ClusterNode) -> bool:
    """Whether the replica is in sync with its master (after an earlier test's restore it may
    still be reconnecting)."""
    with replica.client() as client:
        return client.info("replication").get("master_link_status") == "up"


def test_unconfirmed_outbox_writes_are_spooled_and_survive_the_masters_loss(
    cluster_url: str, redis_cluster: RedisClusterServers, tmp_path: Path
) -> None:
    port = free_port()
    receiver = Receiver(JWKS, tmp_path / "service.db")
    spooled = tmp_path / "spool"
    unreplicated: list[str] = []

    async def scenario() -> list[str]:
        # Two seconds for the replica's acknowledgement (and a socket timeout above it): under
        # the whole suite's load the acknowledgement took more than 500 ms. The frozen replica
        # below is still told apart: it never acknowledges.
        client = connect_cluster(cluster_url, 0.5, 3.0)
        queue = RedisOutbox(client, "consent", claim_idle=4.0, wait=ReplicaWait(1, 2000))
        sink = HttpSink(
            "consent", f"http://127.0.0.1:{port}/records", queue, FileSpool(spooled, "consent")
        )
        sink.on_unreplicated = unreplicated.append
        master = redis_cluster.master_of(queue.stream)
        replica = redis_cluster.replica_of(master)
        accepted: list[str] = []
        handle = None
        try:
            await wait_until(lambda: _linked(replica), timeout=30)
            # Replica well: each write is confirmed, so it is in the replica once accepted. The
            # workers start after this count: a delivered entry leaves the stream.
            for n in range(5):
                await sink.write(envelope(record(n)))
                accepted.append(f"rec_{n:05d}")
                assert _replica_length(replica, queue.stream) == n + 1
            assert unreplicated == []
            handle = start_workers([sink], SIGNER, FAST)
            await wait_until(lambda: set(accepted) <= set(receiver.stored), timeout=30)
            # Replica frozen, service refusing: writes are still accepted, kept on local disk
            # too, and wait in both.
            receiver.mode = "503"
            replica.pause()
            for n in range(5, 10):
                await sink.write(envelope(record(n)))
                accepted.append(f"rec_{n:05d}")
            assert unreplicated == ["consent"] * 5
            assert len(list((spooled / "ready").iterdir())) == 5
            # The master and its replica die before the replica copied anything: the outbox's
            # data is gone (no persistence); the spool still holds those records.
            master.kill()
            replica.kill()
            redis_cluster.restore()
            receiver.mode = "ok"
            await wait_until(lambda: set(accepted) <= set(receiver.stored), timeout=30)
            await wait_until(lambda: not list((spooled / "ready").iterdir()), timeout=10)
            return accepted
        finally:
            if handle is not None:
                await handle.stop()
            await sink.close()
            await client.aclose()

    with ServerThread(receiver, port=port):
        accepted = run_sync(scenario())
    assert sorted(receiver.stored) == sorted(accepted)  # each once
