"""Fixtures shared by the whole suite: a private Redis, a private Redis Cluster, a private
PostgreSQL, databases, the event loop under test."""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from tests.support.aio import LOOPS, LoopKind, use_loop
from tests.support.aio import run as run_async
from tests.support.cluster import RedisClusterServers
from tests.support.postgres import PostgresServer
from tests.support.processes import RedisServer

T = TypeVar("T")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--loops",
        default=",".join(LOOPS),
        help="event loops to run the Redis-facing tests on, comma-separated (default: %(default)s)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that talks to Redis (it uses the private Redis, or is marked ``redis``) or to a
    database (the ``database`` fixture) runs once per event loop: asyncio's own, and uvloop,
    which production runs on."""
    names = metafunc.fixturenames
    talks_to_redis = (
        "redis_url" in names
        or "redis_server" in names
        or "cluster_url" in names
        or "database" in names  # the records store's drivers (asyncpg, aiosqlite) too
        or metafunc.definition.get_closest_marker("redis") is not None
    )
    if talks_to_redis and "loop_kind" in names:
        wanted = [k.strip() for k in metafunc.config.getoption("--loops").split(",") if k.strip()]
        unknown = set(wanted) - set(LOOPS)
        if unknown or not wanted:
            raise pytest.UsageError(f"--loops: choose from {', '.join(LOOPS)}")
        metafunc.parametrize("loop_kind", wanted, indirect=True)


@pytest.fixture(autouse=True)
def loop_kind(request: pytest.FixtureRequest) -> Iterator[LoopKind]:
    """The event loop this test's coroutines, TestClients and servers run on."""
    kind = cast(LoopKind, getattr(request, "param", "asyncio"))
    use_loop(kind)
    yield kind
    use_loop("asyncio")


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


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisClusterServers]:
    """One private Redis Cluster (three masters, three replicas) for the session."""
    cluster = RedisClusterServers()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def cluster_url(redis_cluster: RedisClusterServers) -> str:
    """The private Redis Cluster, every node running and every master emptied, as a gateway URL
    (``redis+cluster://``)."""
    redis_cluster.restore()
    redis_cluster.flush()
    return redis_cluster.url


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "gateway-data"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One private PostgreSQL cluster for the session; each test gets its own database."""
    server = PostgresServer()
    server.start()
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: the same test runs on SQLite and on the private PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@dataclass(frozen=True)
class Database:
    """An empty database of one dialect, and the event loop its async code runs on."""

    url: str
    dialect: str
    loop: LoopKind

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return run_async(coro, self.loop)


@pytest.fixture
def database(database_url: str, loop_kind: LoopKind) -> Database:
    """An empty database of each dialect, on each event loop (see ``pytest_generate_tests``)."""
    dialect = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    return Database(database_url, dialect, loop_kind)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last: the quick tiers report first, and Playwright's session-wide
    event loop starts only after every other test has run."""
    items.sort(key=lambda item: "/browser/" in str(item.path))
