"""Delivery throughput on this machine: records accepted into a sink per second, and how fast
the workers of one instance drain the outbox into the example receiving service.

    .venv/bin/python -m bench.delivery [RECORDS]

Needs ``redis-server`` on PATH (a private one is started with ``appendfsync always``).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from gateway.delivery.file import FileSink
from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.spool import FileSpool
from gateway.delivery.workers import DeliveryPolicy, start_workers
from tests.support.processes import RedisServer, free_port
from tests.support.receiver import JWKS, SIGNER, Receiver, record
from tests.support.servers import ServerThread


async def accept(sink: Any, n: int, prefix: str, concurrency: int = 50) -> float:
    """Records per second written by ``concurrency`` requests in flight at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await sink.write(record(i, prefix))

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - start)


async def drain(sink: HttpSink, receiver: Receiver, n: int) -> float:
    start = time.perf_counter()
    handle = start_workers([sink], SIGNER, DeliveryPolicy(poll_interval=0.05, concurrency=32))
    while len(receiver.stored) < n:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    await handle.stop()
    return n / elapsed


async def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wg-bench-"))
    file_rate = await accept(FileSink("consent", tmp / "consent.jsonl"), n, "f")
    print(f"file sink (fsync per record):       {file_rate:8.0f} records/s accepted")
    redis_server = RedisServer(persistent=True)
    redis_server.start()
    client = Redis.from_url(redis_server.url)
    for kind in ("redis", "spool"):
        port = free_port()
        receiver = Receiver(JWKS, tmp / f"{kind}.db")
        queue = (
            RedisOutbox(client, "consent")
            if kind == "redis"
            else FileSpool(tmp / "spool", "consent")
        )
        sink = HttpSink("consent", f"http://127.0.0.1:{port}/records", queue)
        rate = await accept(sink, n, kind)
        with ServerThread(receiver, port=port):
            drained = await drain(sink, receiver, n)
        print(f"http sink via {kind:6} accepted:        {rate:8.0f} records/s")
        print(f"http sink via {kind:6} delivered:       {drained:8.0f} records/s (one instance)")
        await sink.close()
    await client.aclose()
    redis_server.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
