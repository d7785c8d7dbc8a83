"""Limits on a real Redis Cluster: exact under bursts, all or nothing across slots, and within the
documented bound when the master holding a limit's slot dies."""

from __future__ import annotations

import asyncio
import time

from gateway.ratelimit.cluster import ClusterScriptEngine
from gateway.ratelimit.limiter import Limiter, LimitRequest
from tests.ratelimit.test_ratelimit import limiter, run
from tests.support.cluster import RedisClusterServers

KEY = LimitRequest("key", "100/minute", ("pk_cluster",))
IP = LimitRequest("ip", "3/minute", ("203.0.113.7",))


def test_150_concurrent_requests_on_three_instances_admit_exactly_100(cluster_url: str) -> None:
    async def body() -> tuple[int, list[bool], type]:
        # A generous timeout: this is about exact counting, not about a slow machine's latency.
        instances = [limiter("script", cluster_url, redis_timeout=2.0) for _ in range(3)]
        try:
            results = await asyncio.gather(
                *(
                    instances[i % 3].check([KEY, LimitRequest("ip", "10/minute", (str(i),))])
                    for i in range(150)
                )
            )
            engine = type(instances[0]._primary)
            return sum(d.allowed for d in results), [lim.degraded for lim in instances], engine
        finally:
            for lim in instances:
                await lim.close()

    admitted, degraded, engine = run(body)
    assert engine is ClusterScriptEngine
    assert degraded == [False, False, False]
    assert admitted == 100


def test_a_refusal_in_one_slot_counts_nothing_in_the_others(cluster_url: str) -> None:
    """The per-IP limit (3) refuses the fourth request; the per-key limit (its own slot) still
    has all but three of its 100 units, so the other IPs are not charged for the refusals."""

    async def body() -> tuple[list[bool], str]:
        lim = limiter("script", cluster_url, redis_timeout=0.5)
        try:
            out = [(await lim.check([KEY, IP])).allowed for _ in range(6)]
            other = await lim.check([KEY, LimitRequest("ip", "3/minute", ("198.51.100.1",))])
            return out, other.headers["RateLimit"]
        finally:
            await lim.close()

    allowed, state = run(body)
    assert allowed == [True, True, True, False, False, False]
    assert '"key";r=96;' in state  # 3 counted before, this one: 4 of 100, never the refused 3


def test_windows_of_one_limit_share_a_slot_and_keys_are_tagged(
    cluster_url: str, redis_cluster: RedisClusterServers
) -> None:
    async def body() -> None:
        lim = limiter("script", cluster_url)
        try:
            await lim.check([LimitRequest("consent", "10/minute;100/hour", ("pk", "ip"))])
        finally:
            await lim.close()

    run(body)
    with redis_cluster.client() as client:
        names = [k.decode() for k in client.keys("LIMITS:*", target_nodes=client.PRIMARIES)]
    assert len(names) == 2  # the two current windows (minute and hour)
    slots = {client.keyslot(n) for n in names}
    assert len(slots) == 1
    assert all(n.startswith("LIMITS:{consent/") for n in names)


def test_a_master_failover_under_load_stays_within_the_documented_bound(
    cluster_url: str, redis_cluster: RedisClusterServers
) -> None:
    """docs/operators.md: while a slot's master is down (until its replica is promoted) each
    process counts in its own memory, so one window admits at most its limit once in Redis and
    once per process in memory; afterwards the instances count in the promoted replica again."""
    limit = LimitRequest("key", "200/minute", ("pk_failover",))
    processes = 2

    async def body() -> tuple[int, int, list[bool]]:
        instances = [limiter("script", cluster_url, redis_timeout=0.25) for _ in range(processes)]
        admitted = 0
        sent = 0
        try:
            # Warm up: the limit's slot is known, half the budget spent.
            for i in range(50):
                admitted += (await instances[i % processes].check([limit])).allowed
                sent += 1
            master = redis_cluster.master_of(_slot_key(instances[0], limit))
            master.kill()
            killed_at = time.monotonic()
            # Load through the failover: until the promoted replica has answered every instance
            # for a while.
            while time.monotonic() - killed_at < 20:
                batch = await asyncio.gather(
                    *(instances[i % processes].check([limit]) for i in range(20))
                )
                admitted += sum(d.allowed for d in batch)
                sent += 20
                if (
                    time.monotonic() - killed_at > 2
                    and not any(i.degraded for i in instances)
                    and master.port != redis_cluster.master_of(_slot_key(instances[0], limit)).port
                ):
                    break
                await asyncio.sleep(0.05)
            # Back on the cluster: the rest of the budget only, however much more is asked.
            for _ in range(35):
                batch = await asyncio.gather(
                    *(instances[i % processes].check([limit]) for i in range(20))
                )
                admitted += sum(d.allowed for d in batch)
                sent += 20
            return admitted, sent, [i.degraded for i in instances]
        finally:
            for lim in instances:
                await lim.close()

    admitted, sent, degraded = run(body)
    assert degraded == [False] * processes
    assert sent > 200 * (1 + processes) + 100
    # At least the limit (nothing refused that should not be), at most the documented bound.
    assert 200 <= admitted <= 200 * (1 + processes)


def _slot_key(lim: Limiter, req: LimitRequest) -> str:
    window = lim._windows([req])[0]
    return f"{{{'/'.join(window.identity)}}}"
