"""Running a coroutine to completion from a synchronous test.

Playwright's sync API keeps an event loop running in the main thread for the whole session, so
``asyncio.run`` cannot be called there; :func:`run` runs the coroutine on a fresh loop in a
worker thread instead, which works whether or not a loop is running. ``loop`` chooses the event
loop: the standard one, or ``"uvloop"`` (what uvicorn runs the gateway on when it is installed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")
LOOPS = ("asyncio", "uvloop")


def _factory(loop: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if loop == "uvloop":
        return uvloop.new_event_loop
    if loop == "asyncio":
        return None
    raise ValueError(f"unknown event loop {loop!r}")


def run(coro: Coroutine[Any, Any, T], loop: str = "asyncio") -> T:
    def main() -> T:
        with asyncio.Runner(loop_factory=_factory(loop)) as runner:
            return runner.run(coro)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(main).result()
