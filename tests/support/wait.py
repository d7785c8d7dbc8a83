"""Waiting on a condition from synchronous tests, instead of sleeping towards a boundary."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(condition: Callable[[], T], within: float = 1.0, interval: float = 0.02) -> T:
    """The first truthy value of ``condition()``; fails when ``within`` seconds pass without one."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        time.sleep(interval)
