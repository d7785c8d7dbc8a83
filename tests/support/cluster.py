"""A real local Redis Cluster for tests: six ``redis-server`` processes on loopback ports.

Three masters and one replica each, made a cluster by ``redis-cli --cluster create``. The node
timeout is short (1 s), so when a test kills a master its replica is promoted within a few seconds,
as a production cluster does after its own ``cluster-node-timeout``.
"""

from __future__ import annotations

import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from redis.cluster import RedisCluster

from tests.support.processes import wait_for_port

NODE_TIMEOUT_MS = 1000
BUS_OFFSET = 10_000  # a node's cluster bus listens on its port plus this
LOWEST_NODE_PORT = 10_000


def free_node_port() -> int:
    """A free loopback port whose cluster bus port (port + 10000) is free too, both below the
    kernel's ephemeral range: a node killed by a test is started again on its port, and a port
    in that range may meanwhile be taken by any outgoing connection (the node then cannot bind
    and the cluster never heals)."""
    highest = max(_ephemeral_start() - BUS_OFFSET - 1, LOWEST_NODE_PORT + 1_000)
    for _ in range(200):
        port = random.randint(LOWEST_NODE_PORT, highest)
        if all(_bindable(p) for p in (port, port + BUS_OFFSET)):
            return port
    raise RuntimeError("no free pair of ports for a Redis Cluster node")


def _ephemeral_start() -> int:
    """The first port of the kernel's range for outgoing connections (Linux; 32768 elsewhere)."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
    except OSError:
        return 32_768
    return int(text.split()[0])


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class ClusterNode:
    """One ``redis-server`` of the cluster, with its own folder (``nodes.conf``, data)."""

    def __init__(self, binary: str, root: Path) -> None:
        self.binary = binary
        self.port = free_node_port()
        self.dir = root / str(self.port)
        self.dir.mkdir()
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    def start(self) -> None:
        args = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            str(NODE_TIMEOUT_MS),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
            "--loglevel",
            "warning",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        self.paused = False

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): it holds its connections but answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.process is not None and self.paused:
            self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def role(self) -> str:
        info = self.client().info("replication")
        return str(info["role"])


class RedisClusterServers:
    """Six nodes made into a cluster of three masters with a replica each."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        cli = shutil.which("redis-cli")
        if binary is None or cli is None:
            raise RuntimeError("redis-server and redis-cli are not installed; scripts/test does")
        self.cli = cli
        self.root = Path(tempfile.mkdtemp(prefix="wg-redis-cluster-"))
        self.nodes = [ClusterNode(binary, self.root) for _ in range(6)]

    @property
    def url(self) -> str:
        """The gateway's URL for the cluster: any one node; the client discovers the others."""
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        subprocess.run(
            [
                self.cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{n.port}" for n in self.nodes),
                "--cluster-replicas",
                "1",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.wait_until_ok()

    def wait_until_ok(self, timeout: float = 30.0) -> None:
        """Until every running node says ``cluster_state:ok`` and knows three masters, every
        replica is in sync with its master (else it could not take over), and a write to each
        master's slots goes through (a node just back can say ok while still slow to answer)."""
        deadline = time.monotonic() + timeout
        while True:
            running = [n for n in self.nodes if n.process is not None]
            if all(self._node_ok(n) for n in running) and self._answers_writes():
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.1)

    def _answers_writes(self) -> bool:
        port = self.running()[0].port
        written: set[str] = set()
        try:
            with RedisCluster(host="127.0.0.1", port=port, socket_timeout=1.0) as cluster:
                for i in range(64):  # hash tags until one key in each master's slots is written
                    name = cluster.get_node_from_key(f"probe:{{{i}}}").name
                    if name not in written:
                        cluster.set(f"probe:{{{i}}}", "1", ex=5)
                        written.add(name)
        except redis.RedisError:
            return False
        return len(written) == 3

    def _node_ok(self, node: ClusterNode) -> bool:
        try:
            with node.client() as client:
                info = client.cluster("info")
                nodes = client.cluster("nodes")
                replication = client.info("replication")
        except redis.RedisError:
            return False
        if replication["role"] == "slave" and (
            replication.get("master_link_status") != "up"
            or replication.get("master_sync_in_progress")
        ):
            return False  # a replica that has not synced yet would refuse to take over
        masters = [n for n in nodes.values() if "master" in n["flags"] and "fail" not in n["flags"]]
        return bool(info.get("cluster_state") == "ok" and len(masters) == 3)

    def client(self) -> RedisCluster:
        return RedisCluster(host="127.0.0.1", port=self.running()[0].port)

    def running(self) -> list[ClusterNode]:
        return [n for n in self.nodes if n.process is not None]

    def master_of(self, key: str) -> ClusterNode:
        """The node that serves ``key``'s slot now."""
        with self.client() as cluster:
            node = cluster.get_node_from_key(key)
            port = int(node.port)
        return next(n for n in self.nodes if n.port == port)

    def replica_of(self, master: ClusterNode) -> ClusterNode:
        """The running node that replicates ``master`` now."""
        for node in self.running():
            with node.client() as client:
                info = client.info("replication")
            if info["role"] == "slave" and int(info["master_port"]) == master.port:
                return node
        raise LookupError(f"no replica of {master.port}")

    def subscribers(self, channel: str) -> int:
        """Clients subscribed to ``channel``, over every running node (each counts its own)."""
        total = 0
        for node in self.running():
            with node.client() as client:
                total += sum(n for _, n in client.pubsub_numsub(channel))
        return total

    def flush(self) -> None:
        with self.client() as cluster:
            cluster.flushall(target_nodes=RedisCluster.PRIMARIES)

    def restore(self) -> None:
        """Bring back killed nodes (they rejoin as replicas) and wait for a healthy cluster."""
        for node in self.nodes:
            node.resume()
            if node.process is None:
                node.start()
        self.wait_until_ok()

    def close(self) -> None:
        for node in self.nodes:
            node.kill()
        shutil.rmtree(self.root, ignore_errors=True)
