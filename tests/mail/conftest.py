"""Fixtures of the mail tests: both event loops, loopback SMTP servers, mail settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
import uvloop

from tests.support.smtp import Certificates, SmtpServer

T = TypeVar("T")
Run = Callable[[Coroutine[Any, Any, T]], T]

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


@pytest.fixture(params=sorted(LOOPS))
def run(request: pytest.FixtureRequest) -> Run[Any]:
    """Runs a coroutine to completion on the loop of this parameter (asyncio, then uvloop), in
    a worker thread as tests/support/aio.py does."""
    factory = LOOPS[request.param]

    def run_(coro: Coroutine[Any, Any, T]) -> T:
        def target() -> T:
            with asyncio.Runner(loop_factory=factory) as runner:
                return runner.run(coro)

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(target).result()

    return run_


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A plain loopback SMTP server, running."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("smtp-tls"))
