"""A real Redis Sentinel setup for tests: a master, a replica and three sentinels on loopback.

The sentinels are ``redis-sentinel`` processes (``redis-server --sentinel`` where the Debian
package's link is not installed) with a quorum of two and ``down-after-milliseconds 1000``, so
when a test kills the master the replica is promoted within a few seconds. They are told of the
replica and of each other in their configuration files, so the setup is ready as soon as every
sentinel sees the master, without waiting for their discovery rounds.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.support.processes import RedisServer, free_port, wait_for_port

SERVICE = "wg"
DOWN_AFTER_MS = 1000


class SentinelServers:
    """A master and its replica (``RedisServer`` each, the replica started ``--replicaof``)
    watched by three sentinels."""

    def __init__(self) -> None:
        self.master = RedisServer()
        self.replica = RedisServer()
        self.root = Path(tempfile.mkdtemp(prefix="wg-sentinel-"))
        binary = shutil.which("redis-sentinel")
        self.binary = binary or self.master.binary
        self.mode = [] if binary else ["--sentinel"]  # after the file, as redis-server wants
        self.ports = [free_port() for _ in range(3)]
        self.ids = [secrets.token_hex(20) for _ in self.ports]
        self.sentinels: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        """The gateway's URL: every sentinel, the service name, the database."""
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.ports)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def start(self) -> None:
        # Either may be the master after a failover: both send a full copy at once.
        for server in (self.master, self.replica):
            server.extra_args = ["--repl-diskless-sync-delay", "0"]
        self.master.start()
        self.replica.extra_args += ["--replicaof", "127.0.0.1", str(self.master.port)]
        self.replica.start()
        for i, port in enumerate(self.ports):
            conf = self.root / f"sentinel-{port}.conf"
            lines = [
                f"port {port}",
                "bind 127.0.0.1",
                "protected-mode no",
                f"dir {self.root}",
                f"sentinel myid {self.ids[i]}",
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master.port} 2",
                f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}",
                f"sentinel failover-timeout {SERVICE} 5000",
                f"sentinel known-replica {SERVICE} 127.0.0.1 {self.replica.port}",
            ]
            lines += [
                f"sentinel known-sentinel {SERVICE} 127.0.0.1 {other} {self.ids[j]}"
                for j, other in enumerate(self.ports)
                if j != i
            ]
            conf.write_text("\n".join(lines) + "\n")
            self.sentinels.append(
                subprocess.Popen(
                    [self.binary, str(conf), *self.mode],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port in self.ports:
            wait_for_port(port)
        self.wait_until_ready()

    def sentinel(self, port: int) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, decode_responses=True)

    def master_port(self) -> int | None:
        """The master every sentinel names now, or None while they disagree."""
        named = set()
        for port in self.ports:
            with self.sentinel(port) as client:
                address = client.execute_command("SENTINEL", "get-master-addr-by-name", SERVICE)
            named.add(int(address[1]) if address else None)
        return named.pop() if len(named) == 1 else None

    def wait_until_ready(self, timeout: float = 20.0) -> None:
        """Until every sentinel agrees on the master, sees its replica and the two other
        sentinels (else a failover could not be voted), and the replica holds a full copy."""
        deadline = time.monotonic() + timeout
        while not self._ready():
            if time.monotonic() > deadline:
                raise TimeoutError("the sentinels did not agree on a healthy master")
            time.sleep(0.05)

    def _ready(self) -> bool:
        try:
            port = self.master_port()
            if port is None:
                return False
            for sentinel_port in self.ports:
                with self.sentinel(sentinel_port) as client:
                    state = client.sentinel_master(SERVICE)
                    replicas = client.sentinel_slaves(SERVICE)
                if state["is_sdown"] or int(state["num-other-sentinels"]) < 2:
                    return False
                if not any(not replica["is_sdown"] for replica in replicas):
                    return False
            replica = self.replica if port == self.master.port else self.master
            with replica.client() as client:
                info = client.info("replication")
            # A replica still loading its first copy would be promoted empty.
            return info["role"] == "slave" and info["master_link_status"] == "up"
        except (redis.RedisError, OSError, KeyError):
            return False

    def server_on(self, port: int) -> RedisServer:
        return self.master if self.master.port == port else self.replica

    def close(self) -> None:
        for process in self.sentinels:
            process.terminate()
        for process in self.sentinels:
            process.wait(timeout=10)
        self.master.close()
        self.replica.close()
        shutil.rmtree(self.root, ignore_errors=True)
