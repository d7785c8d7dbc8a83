"""Fixtures shared by the whole suite: a private Redis, a private PostgreSQL, databases."""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support.aio import LOOPS
from tests.support.aio import run as run_async
from tests.support.postgres import PostgresServer
from tests.support.processes import RedisServer

T = TypeVar("T")


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One private PostgreSQL cluster for the session; each test gets its own database."""
    server = PostgresServer()
    server.start()
    yield server
    server.close()


@dataclass(frozen=True)
class Database:
    """An empty database of one dialect, and the event loop to run its async code on."""

    url: str
    dialect: str
    loop: str

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return run_async(coro, self.loop)


@pytest.fixture(
    params=[(d, loop) for d in ("sqlite", "postgresql") for loop in LOOPS],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """The same test on SQLite and on the private PostgreSQL, each on asyncio and on uvloop."""
    dialect, loop = request.param
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.db'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    return Database(url, dialect, loop)


@pytest.fixture
def database_url(database: Database) -> str:
    return database.url
