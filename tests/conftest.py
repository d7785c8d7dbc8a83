"""Fixtures shared by the whole suite: a private Redis, settings and the in-process app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One private redis-server for the session. Tests that stop it must start it again."""
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The private Redis, running and emptied for this test."""
    if redis_server.process is None:
        redis_server.start()
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "gateway-data"
    path.mkdir()
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: once Playwright's sync API has started, it keeps an event loop
    running in the main thread for the rest of the session, and ``asyncio.run`` in any later
    test fails there."""
    items.sort(key=lambda item: item.path.parent.name == "browser")
