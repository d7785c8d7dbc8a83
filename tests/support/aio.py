"""Running a coroutine to completion from a synchronous test, on the event loop under test.

Production runs on uvloop (``widget-gateway serve``), other ASGI servers on asyncio's own loop;
code that talks to Redis must work on both, so the suite runs every Redis-facing test on each (see
the ``loop`` fixture in tests/conftest.py). :func:`use_loop` sets the kind for the current test;
:func:`run`, :func:`testclient_options` and the test servers follow it.

Playwright's sync API keeps an event loop running in the main thread for the whole session, so
``asyncio.run`` cannot be called there; :func:`run` runs the coroutine on a fresh loop in a
worker thread instead, which works whether or not a loop is running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

import uvloop

T = TypeVar("T")
LoopKind = Literal["asyncio", "uvloop"]
LOOPS: tuple[LoopKind, ...] = ("asyncio", "uvloop")

_current: list[LoopKind] = ["asyncio"]


def use_loop(kind: LoopKind) -> None:
    """Run what follows in this test on ``kind``'s event loop."""
    _current[0] = kind


def current_loop() -> LoopKind:
    return _current[0]


def loop_factory(kind: LoopKind | None = None) -> Callable[[], asyncio.AbstractEventLoop]:
    """New loops of ``kind``, or of the current test's kind."""
    kind = kind or current_loop()
    if kind not in LOOPS:
        raise ValueError(f"unknown event loop {kind!r}")
    return uvloop.new_event_loop if kind == "uvloop" else asyncio.new_event_loop


def _run_on_fresh_loop(coro: Coroutine[Any, Any, T], factory: Callable[[], Any]) -> T:
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def run(coro: Coroutine[Any, Any, T], loop: LoopKind | None = None) -> T:
    """Run ``coro`` on a fresh loop of ``loop``'s kind (default: the current test's), in a worker
    thread."""
    factory = loop_factory(loop)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_run_on_fresh_loop, coro, factory).result()


def testclient_options() -> dict[str, Any]:
    """``backend_options`` for Starlette's TestClient (anyio) on the current kind of loop."""
    return {"loop_factory": loop_factory()}


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread: for code that calls ``asyncio.run`` itself (the command
    line's ``main``), which cannot run where Playwright's loop is running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()
