"""Form-token nonces on the embedded default: a file per claim in the data folder."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from gateway.rights import nonces as nonces_module
from gateway.rights.nonces import PRUNE_GRACE, UsedNonces
from tests.support.aio import LOOPS, run

NONCE = "0123456789abcdef01234567"


@pytest.mark.parametrize("loop", LOOPS)
def test_claims_made_while_others_prune_are_all_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loop: str
) -> None:
    # Every claim prunes (as the first claim of each minute does) while others are being made
    # in worker threads: no claim may be lost, or its form could be sent a second time.
    monkeypatch.setattr(nonces_module, "PRUNE_EVERY", 0.0)
    used = UsedNonces(None, tmp_path)
    until = time.time() + 600
    names = [f"{n:024x}" for n in range(300)]

    async def scenario() -> tuple[list[bool], list[bool]]:
        first = await asyncio.gather(*(used.claim(n, until) for n in names))
        again = await asyncio.gather(*(used.claim(n, until) for n in names))
        return list(first), list(again)

    first, again = run(scenario(), loop)
    assert all(first)
    assert not any(again)
    assert sorted(os.listdir(tmp_path)) == names


def test_a_claim_just_created_survives_a_prune_and_an_old_expired_one_does_not(
    tmp_path: Path,
) -> None:
    now = time.time()
    used = UsedNonces(None, tmp_path, clock=lambda: now)
    fresh = tmp_path / NONCE  # made an instant ago, its expiry not written yet
    fresh.touch()
    os.utime(fresh, (now - 1, now - 1))
    stale = tmp_path / "fedcba9876543210fedcba98"
    stale.touch()
    os.utime(stale, (now - PRUNE_GRACE - 1,) * 2)

    assert run(used.claim("00112233445566778899aabb", now + 600))
    assert fresh.exists()
    assert not stale.exists()
    assert not run(used.claim(NONCE, now + 600))


@pytest.mark.parametrize("loop", LOOPS)
def test_one_nonce_claimed_by_many_at_once_is_won_once(tmp_path: Path, loop: str) -> None:
    # Claims that arrive together are made in one trip to a thread: the same nonce twice in one
    # trip must still be won by exactly one of them (its form is sent once).
    used = UsedNonces(None, tmp_path)
    until = time.time() + 600
    trips: list[int] = []
    claim_many = used._claim_many

    def counted(claims: list[tuple[str, float]]) -> list[bool]:
        trips.append(len(claims))
        return claim_many(claims)

    used._claims._run = counted

    async def scenario() -> list[bool]:
        return list(await asyncio.gather(*(used.claim(NONCE, until) for _ in range(20))))

    won = run(scenario(), loop)
    assert won.count(True) == 1 and won.count(False) == 19
    assert sum(trips) == 20 and len(trips) < 20
    assert os.listdir(tmp_path) == [NONCE]
