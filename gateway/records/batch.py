"""Group commit: writes that arrive while a transaction is in flight share the next one.

Each caller of :meth:`GroupCommit.submit` waits until the transaction holding its item has
committed, so its record is durable before its ``await`` returns, yet a burst of concurrent
writes costs a few transactions instead of one each. If a batch fails, its items are retried one
per transaction, so one bad record fails only its own caller.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Batches ``submit`` calls into calls of ``flush`` (one transaction each), in order."""

    def __init__(
        self, flush: Callable[[Sequence[T]], Awaitable[object]], *, max_batch: int = 500
    ) -> None:
        self._flush = flush
        self.max_batch = max_batch
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        """Return once ``item`` is committed; raise what its transaction raised."""
        # A caller that gives up (client gone) does not stop the write of its record.
        await asyncio.shield(self.enqueue(item))

    def enqueue(self, item: T) -> asyncio.Future[None]:
        """Queue ``item`` for the next transaction; the future settles once it committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Marks a failure as seen even when the caller gave up waiting for it.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._pending.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        batch: list[tuple[T, asyncio.Future[None]]] = []
        try:
            while self._pending:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                await self._flush_batch(batch)
        finally:
            # Cancelled (the loop is closing): nobody may wait forever for a write.
            for _, future in [*batch, *self._pending]:
                if not future.done():
                    future.cancel()

    async def _flush_batch(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            await self._flush([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            for item, future in batch:
                try:
                    await self._flush([item])
                except Exception as single:
                    _settle(future, single)
                else:
                    _settle(future, None)
        else:
            for _, future in batch:
                _settle(future, None)

    async def close(self) -> None:
        """Wait for the writes already submitted."""
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
