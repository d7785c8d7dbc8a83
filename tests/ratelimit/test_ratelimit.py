"""Rate limits against a real, private Redis: budgets, headers, sharing, outages, concurrency."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from starlette.datastructures import Secret

from gateway.errors import LimiterUnavailable, RateLimited
from gateway.ratelimit.limiter import LimitDecision, Limiter, LimitRequest
from gateway.ratelimit.script import window_state
from gateway.settings import Settings
from tests.support.aio import run as run_sync
from tests.support.processes import RedisServer, free_port, wait_for_port

T = TypeVar("T")
SECRET = Secret("s" * 40)
ENGINES = ["script", "limits", "memory"]


class Clock:
    """A clock the test moves by hand, for the Redis re-probe interval."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"secret_keys": (SECRET,), "redis_timeout": 0.2}
    values.update(overrides)
    s = Settings(**values)
    s.validate()
    return s


def limiter(engine: str, redis_url: str | None, **kw: Any) -> Limiter:
    if engine == "memory":
        return Limiter(settings(**kw), None)
    clock = kw.pop("clock", None)
    s = settings(redis_url=Secret(redis_url), limit_engine=engine, **kw)
    return Limiter(s, redis_url, clock=clock) if clock else Limiter(s, redis_url)


def run(body: Callable[[], Awaitable[T]]) -> T:
    return run_sync(body())  # type: ignore[arg-type]


IP = LimitRequest("ip", "3/minute", ("203.0.113.7",))


@pytest.mark.parametrize("engine", ENGINES)
def test_allowed_until_the_limit_then_refused_with_headers(engine: str, redis_url: str) -> None:
    async def body() -> list[LimitDecision]:
        lim = limiter(engine, redis_url)
        try:
            out = [await lim.check([IP]) for _ in range(3)]
            with pytest.raises(RateLimited) as refused:
                await lim.enforce([IP])
            assert refused.value.status == 429
            assert refused.value.headers["Retry-After"] == out[-1].headers.get(
                "Retry-After", refused.value.headers["Retry-After"]
            )
            out.append(await lim.check([IP]))
            # Counted where it should be: in Redis for the Redis engines, not in a fallback.
            assert not lim.degraded
            return out
        finally:
            await lim.close()

    decisions = run(body)
    assert [d.allowed for d in decisions] == [True, True, True, False]
    for d, left in zip(decisions[:3], [2, 1, 0], strict=True):
        assert d.headers["RateLimit-Policy"] == '"ip";q=3;w=60'
        assert d.headers["RateLimit"].startswith(f'"ip";r={left};t=')
        assert "Retry-After" not in d.headers
    denied = decisions[-1]
    assert denied.headers["RateLimit"].startswith('"ip";r=0;t=')
    # Allowed again once the window has passed (rounded up, so at most one second over it).
    assert denied.retry_after is not None and 1 <= denied.retry_after <= 61
    assert denied.headers["Retry-After"] == str(denied.retry_after)


@pytest.mark.parametrize(("first", "second"), [("script", "script"), ("script", "limits")])
def test_two_limiters_on_one_redis_share_one_budget(
    first: str, second: str, redis_url: str
) -> None:
    async def body() -> list[bool]:
        a, b = limiter(first, redis_url), limiter(second, redis_url)
        try:
            return [(await (a if i % 2 else b).check([IP])).allowed for i in range(5)]
        finally:
            await a.close()
            await b.close()

    assert run(body) == [True, True, True, False, False]


def test_several_limits_the_tightest_wins_and_a_refusal_consumes_none(redis_url: str) -> None:
    requests = [
        LimitRequest("ip", "5/minute", ("203.0.113.7",)),
        LimitRequest("key", "2/minute;100/hour", ("pk_test",)),
    ]

    async def body() -> list[LimitDecision]:
        lim = limiter("script", redis_url)
        try:
            return [await lim.check(requests) for _ in range(3)]
        finally:
            await lim.close()

    first, second, third = run(body)
    assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
    assert third.headers["RateLimit-Policy"] == (
        '"ip";q=5;w=60, "key-minute";q=2;w=60, "key-hour";q=100;w=3600'
    )
    state = third.headers["RateLimit"]
    # The refused request counted in no window: the IP still has 3 of 5 left.
    assert state.startswith('"ip";r=3;t=') and '"key-minute";r=0;t=' in state
    assert '"key-hour";r=98;t=' in state
    # The minute window must end and its weight fall: just over 60 s.
    assert third.retry_after is not None and 55 <= third.retry_after <= 61


def test_personal_identities_never_reach_redis_in_clear(
    redis_server: RedisServer, redis_url: str
) -> None:
    email = LimitRequest("rights_email", "3/hour", ("pk_test", "alice@example.com"))

    async def body() -> None:
        lim = limiter("script", redis_url)
        try:
            await lim.check([IP, email])
        finally:
            await lim.close()

    run(body)
    client = redis_server.client()
    keys = [k.decode() for k in client.keys("*")]
    client.close()
    assert len(keys) == 2
    assert not any("203.0.113" in k or "alice" in k or "example.com" in k for k in keys)


@pytest.mark.parametrize("engine", ["script", "limits"])
def test_concurrent_checks_never_overshoot(engine: str, redis_url: str) -> None:
    req = LimitRequest("key", "20/minute", ("pk_busy",))

    async def body() -> int:
        # A generous timeout: on a loaded machine a slow reply would otherwise send the limiter
        # to its per-instance fallback, which is not what this test is about.
        a = limiter(engine, redis_url, redis_timeout=5.0)
        b = limiter(engine, redis_url, redis_timeout=5.0)
        try:
            results = await asyncio.gather(*((a if i % 2 else b).check([req]) for i in range(60)))
            assert not (a.degraded or b.degraded)
            return sum(d.allowed for d in results)
        finally:
            await a.close()
            await b.close()

    assert run(body) == 20


def test_redis_down_falls_back_to_memory_and_back(
    redis_server: RedisServer, redis_url: str
) -> None:
    clock = Clock()

    async def body() -> None:
        lim = limiter("script", redis_url, clock=clock)
        other = limiter("script", redis_url)
        try:
            assert (await lim.check([IP])).allowed and not lim.degraded
            redis_server.stop()
            # Fail-open: answers keep coming, counted in this instance's memory (a fresh budget).
            answers = [(await lim.check([IP])).allowed for _ in range(4)]
            assert answers == [True, True, True, False]
            assert lim.degraded
            assert not await lim.ping()
            redis_server.start()
            # Within the probe interval the limiter stays on memory…
            assert not (await lim.check([IP])).allowed and lim.degraded
            # …then goes back to Redis, where the budget is shared again.
            clock.now += 1.5
            assert (await lim.check([IP])).allowed and not lim.degraded
            assert (await other.check([IP])).headers["RateLimit"].startswith('"ip";r=1;')
        finally:
            if redis_server.process is None:
                redis_server.start()
            await lim.close()
            await other.close()

    run(body)


def test_fail_closed_refuses_while_redis_is_down(redis_server: RedisServer, redis_url: str) -> None:
    async def body() -> None:
        lim = limiter("script", redis_url, limits_fail_closed=True)
        try:
            redis_server.stop()
            for _ in range(2):
                with pytest.raises(LimiterUnavailable) as exc:
                    await lim.check([IP])
                assert exc.value.status == 503
            assert lim.degraded
        finally:
            redis_server.start()
            await lim.close()

    run(body)


@pytest.mark.redis
def test_a_hanging_redis_is_asked_once_per_probe_interval() -> None:
    """A Redis that accepts connections and never answers: requests go on, one probe a second.

    The first request waits for the timeout; the connection never answered, so the next ones fail
    at once (reconnection backs off) until enough have failed to switch to memory."""
    clock = Clock()
    connections: list[asyncio.StreamWriter] = []

    async def body() -> list[bool]:
        async def swallow(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            connections.append(w)

        port = free_port()
        server = await asyncio.start_server(swallow, "127.0.0.1", port)
        url = f"redis://127.0.0.1:{port}/0"
        lim = limiter("script", url, clock=clock, redis_timeout=0.05)
        try:
            allowed = [(await lim.check([IP])).allowed for _ in range(10)]
            assert lim.degraded and len(connections) == 1
            clock.now += 1.5
            allowed.append((await lim.check([IP])).allowed)
            assert len(connections) == 2
            return allowed
        finally:
            await lim.close()
            for w in connections:
                w.close()
            server.close()

    # Memory took over at once: 3 allowed by the limit, the rest refused, none stalled.
    assert run(body) == [True] * 3 + [False] * 8


# (limit, window s, cost, previous count, previous TTL ms, current count, current TTL ms) → wait s
RETRY_CASES = [
    # Current window has room; the previous window's weight must fall below it: 10*x/60000 < 5.
    ((10, 60, 1, 10, 57_000, 5, 117_000), 28),
    # Current window alone is full: wait for it to end (20 s); then it weighs just under 10.
    ((10, 60, 1, 0, 0, 10, 80_000), 21),
    # Cost 10 against a full 20: after the 20 s, its weight must fall to 10 (27 s more).
    ((20, 60, 10, 0, 0, 20, 80_000), 48),
    # A cost larger than the limit never fits.
    ((2, 60, 3, 0, 0, 0, 0), 120),
]


@pytest.mark.parametrize(
    ("args", "wait"), RETRY_CASES, ids=["previous", "current", "current-heavy", "never"]
)
def test_retry_after_is_when_the_request_would_fit(args: tuple[int, ...], wait: int) -> None:
    state = window_state(*args, refused=True)
    assert state.exceeded and state.reset_after == wait


def test_callers_that_give_up_do_not_shift_the_replies_of_others(redis_url: str) -> None:
    """Requests share one pipelined connection: a cancelled one must not take another's reply."""
    mine = LimitRequest("key", "5/minute", ("pk_mine",))
    theirs = LimitRequest("key", "1000/minute", ("pk_theirs",))

    async def body() -> list[LimitDecision]:
        lim = limiter("script", redis_url)
        try:
            await lim.check([theirs])
            tasks = [asyncio.ensure_future(lim.check([theirs])) for _ in range(10)]
            await asyncio.sleep(0)
            for t in tasks[::2]:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return [await lim.check([mine]) for _ in range(6)]
        finally:
            await lim.close()

    decisions = run(body)
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert decisions[0].headers["RateLimit"].startswith('"key";r=4;')


def test_password_and_database_from_the_url(redis_server: RedisServer, redis_url: str) -> None:
    admin = redis_server.client()
    admin.config_set("requirepass", "s3cret-pw")
    try:
        url = f"redis://:s3cret-pw@127.0.0.1:{redis_server.port}/5"

        async def body() -> bool:
            lim = limiter("script", url)
            try:
                return (await lim.check([IP])).allowed and await lim.ping()
            finally:
                await lim.close()

        assert run(body)
        admin.execute_command("AUTH", "s3cret-pw")
        admin.select(5)
        assert len(admin.keys("LIMITS:*")) == 1
    finally:
        admin.config_set("requirepass", "")
        admin.close()


@pytest.fixture
def sentinel_url(redis_server: RedisServer, redis_url: str, tmp_path: Any) -> Any:
    """A real Redis Sentinel watching the private Redis, as ``redis+sentinel://…/service/db``."""
    port = free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {tmp_path}\n"
        f"sentinel monitor wg 127.0.0.1 {redis_server.port} 1\n"
    )
    proc = subprocess.Popen(
        [redis_server.binary, str(conf), "--sentinel"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis+sentinel://127.0.0.1:{port}/wg/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_sentinel_urls_count_through_limits_in_the_same_keys(
    sentinel_url: str, redis_url: str
) -> None:
    async def body() -> list[bool]:
        via_sentinel = limiter("script", sentinel_url)  # Sentinel: the limits engine
        direct = limiter("script", redis_url)
        try:
            out = [(await via_sentinel.check([IP])).allowed for _ in range(2)]
            out += [(await direct.check([IP])).allowed for _ in range(2)]
            return out
        finally:
            await via_sentinel.close()
            await direct.close()

    assert run(body) == [True, True, True, False]
