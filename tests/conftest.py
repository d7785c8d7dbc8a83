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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last: the quick tiers report first, and Playwright's session-wide
    event loop starts only after every other test has run."""
    items.sort(key=lambda item: "/browser/" in str(item.path))
