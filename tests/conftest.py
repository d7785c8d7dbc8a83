"""Fixtures shared by the whole suite: a private Redis, settings, the event loop under test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from tests.support.aio import LOOPS, LoopKind, use_loop
from tests.support.processes import RedisServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--loops",
        default=",".join(LOOPS),
        help="event loops to run the Redis-facing tests on, comma-separated (default: %(default)s)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that talks to Redis (it uses the private Redis, or is marked ``redis``) runs
    once per event loop: asyncio's own, and uvloop, which production runs on."""
    names = metafunc.fixturenames
    talks_to_redis = (
        "redis_url" in names
        or "redis_server" in names
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


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "gateway-data"
    path.mkdir()
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last: the quick tiers report first, and Playwright's session-wide
    event loop starts only after every other test has run."""
    items.sort(key=lambda item: "/browser/" in str(item.path))
