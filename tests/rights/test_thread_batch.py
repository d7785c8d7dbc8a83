"""Blocking work in batches: items submitted together go to a thread in one trip, each caller
gets its own result, a failed trip fails only its callers (gateway.thread_batch)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from gateway.thread_batch import ThreadBatch
from tests.support.aio import LOOPS, run


@pytest.mark.parametrize("loop", LOOPS)
def test_a_trip_that_fails_fails_its_callers_and_the_next_trip_still_runs(loop: Any) -> None:
    calls: list[list[int]] = []
    threads: set[int] = set()

    def double(items: list[int]) -> list[int]:
        calls.append(items)
        threads.add(threading.get_ident())
        if -1 in items:
            raise OSError("the disk is full")
        return [2 * n for n in items]

    batch: ThreadBatch[int, int] = ThreadBatch(double)

    async def scenario() -> tuple[list[Any], list[Any]]:
        failed = await asyncio.gather(*(batch.submit(n) for n in (1, -1)), return_exceptions=True)
        fine = await asyncio.gather(*(batch.submit(n) for n in (3, 4, 5)))
        return failed, fine

    failed, fine = run(scenario(), loop)
    assert [type(r) for r in failed] == [OSError, OSError]
    assert fine == [6, 8, 10]
    assert calls[-1] == [3, 4, 5]  # submitted together, one trip, in order
    assert threading.get_ident() not in threads  # never on the caller's thread


@pytest.mark.parametrize("loop", LOOPS)
def test_a_caller_that_gives_up_does_not_take_its_item_out(loop: Any) -> None:
    seen: list[int] = []
    started = threading.Event()
    release = threading.Event()

    def slow(items: list[int]) -> list[int]:
        started.set()
        release.wait(5)
        seen.extend(items)
        return items

    batch: ThreadBatch[int, int] = ThreadBatch(slow)

    async def scenario() -> None:
        waiting = asyncio.ensure_future(batch.submit(7))
        await asyncio.to_thread(started.wait, 5)
        waiting.cancel()
        release.set()
        # Trips run one after another: once a later item is back, the first trip is done.
        assert await batch.submit(8) == 8

    run(scenario(), loop)
    assert seen == [7, 8]
