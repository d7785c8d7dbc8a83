"""Blocking work on many small items, done in one trip to a thread.

Claiming a form token's nonce on the embedded default is a file created with ``O_EXCL``: a few
system calls, but sent to a thread one claim at a time under load, each paid a thread's wake-up
and its turn at the interpreter lock on top of them. A :class:`ThreadBatch` queues the items that
arrive while a trip is in flight and hands them all to the next one, in order; every caller still
waits for its own item's result.

Not for work whose cost is a wait on the disk: mail files, each ``fsync``ed, were tried this way
and got slower at 50 senders, their ``fsync``s made one after another in one thread instead of
side by side in several (docs/performance.md, tenth pass).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class ThreadBatch(Generic[T, R]):
    """Calls ``run(items)`` (blocking: one result per item, in order) in a thread, for as many
    queued items as there are when a trip starts."""

    def __init__(self, run: Callable[[list[T]], Sequence[R]]) -> None:
        self._run = run
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """``item``'s result; raises what ``run`` raised for its trip. A caller that gives up
        (its client left) does not take its item out of the trip."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[R] = loop.create_future()
        # Marks a failure as seen even when the caller gave up waiting for it.
        done.add_done_callback(lambda f: f.cancelled() or f.exception())
        if self._task is not None and self._task.get_loop() is not loop:
            # Made on a loop that has gone (a test's, a restarted app's): its trips with it.
            self._task, self._pending = None, []
        self._pending.append((item, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._trips())
        return await asyncio.shield(done)

    async def _trips(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await asyncio.to_thread(self._run, [item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError("a batch's results do not match its items")
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            except BaseException:
                for _, done in batch:  # the loop is closing: nobody may wait forever
                    done.cancel()
                raise
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)
