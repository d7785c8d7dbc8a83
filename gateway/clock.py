"""The one clock: wall-clock seconds, injectable so tests move in time without sleeping.

Every timestamp the gateway writes (key changes, records, tokens, deadlines) comes from a
:data:`Clock` handed down from :class:`~gateway.services.Services`; nothing else reads the time of
day. Intervals that must not jump with the wall clock (timeouts, retry pacing) use
``time.monotonic`` where they are measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]


def system_clock() -> float:
    """Seconds since the epoch, from the system."""
    return time.time()


def utc(at: float) -> datetime:
    """A clock reading as an aware UTC datetime, to the second."""
    return datetime.fromtimestamp(int(at), UTC)


def now_utc() -> datetime:
    """The system clock as an aware UTC datetime, with its fraction of a second."""
    return datetime.fromtimestamp(system_clock(), UTC)
