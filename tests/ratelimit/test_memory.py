"""The in-process engine: the script engine's arithmetic, exact, bounded, time injected."""

from __future__ import annotations

import pytest
from limits import parse

from gateway.ratelimit.engines import Window, WindowState
from gateway.ratelimit.memory import SWEEP_EVERY, MemoryEngine
from gateway.ratelimit.script import ScriptEngine
from tests.support.aio import run as run_sync


class Clock:
    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


def window(limit: str, who: str = "203.0.113.7", policy: str = "ip") -> Window:
    return Window(policy, parse(limit), (who,))


def hits(engine: MemoryEngine, windows: list[Window], n: int) -> list[list[WindowState]]:
    async def body() -> list[list[WindowState]]:
        return [await engine.hit(windows) for _ in range(n)]

    return run_sync(body())


def test_exactly_the_limit_is_admitted_then_the_wait_is_told() -> None:
    engine = MemoryEngine(Clock())
    states = hits(engine, [window("5/minute")], 7)
    assert [s[0].exceeded for s in states] == [False] * 5 + [True] * 2
    assert [s[0].remaining for s in states[:5]] == [4, 3, 2, 1, 0]
    assert 1 <= states[-1][0].reset_after <= 120


def test_the_previous_window_weighs_less_as_time_passes() -> None:
    clock = Clock()
    engine = MemoryEngine(clock)
    w = [window("10/minute")]
    assert not any(s[0].exceeded for s in hits(engine, w, 10))
    assert hits(engine, w, 1)[0][0].exceeded
    clock.now += 60  # the full window became the previous one and still weighs fully
    assert hits(engine, w, 1)[0][0].exceeded
    clock.now += 30  # half of it still overlaps: half the budget is back
    admitted = [not s[0].exceeded for s in hits(engine, w, 10)]
    assert admitted.count(True) == 5
    clock.now += 200  # long idle: everything forgotten
    assert [not s[0].exceeded for s in hits(engine, w, 10)] == [True] * 10


def test_a_request_refused_by_one_window_is_counted_in_none() -> None:
    engine = MemoryEngine(Clock())
    tight, loose = window("2/minute", policy="tight"), window("100/minute", "k", policy="loose")
    states = hits(engine, [tight, loose], 5)
    assert [s[0].exceeded for s in states] == [False, False, True, True, True]
    # The loose window counted only the two admitted requests.
    assert states[-1][1].remaining == 98


def test_a_flood_of_new_identities_does_not_grow_the_table_without_bound() -> None:
    clock = Clock()
    engine = MemoryEngine(clock)

    async def body() -> None:
        for n in range(3 * SWEEP_EVERY):
            await engine.hit([window("5/second", who=f"198.51.100.{n}")])
            clock.now += 0.01  # each identity's counters expire within seconds

    run_sync(body())
    assert len(engine._counters) <= 2 * SWEEP_EVERY


@pytest.mark.parametrize("limit", ["30/minute", "7/hour"], ids=["minute", "hour"])
def test_it_decides_exactly_as_the_redis_script_engine(limit: str, redis_url: str) -> None:
    # Same windows, same sequence of requests: the same answers, one for one.
    async def body() -> tuple[list[tuple[bool, int]], list[tuple[bool, int]]]:
        script = ScriptEngine(redis_url, timeout=2.0)
        memory = MemoryEngine()
        who = f"differential-{limit}"
        try:
            got_script = [await script.hit([window(limit, who)]) for _ in range(40)]
            got_memory = [await memory.hit([window(limit, who)]) for _ in range(40)]
        finally:
            await script.close()
        return (
            [(s[0].exceeded, s[0].remaining) for s in got_script],
            [(s[0].exceeded, s[0].remaining) for s in got_memory],
        )

    from_script, from_memory = run_sync(body())
    assert from_memory == from_script
    assert any(exceeded for exceeded, _ in from_memory)
