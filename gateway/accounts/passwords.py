"""Password hashing with argon2id, and the rule a new password must meet.

Parameters are RFC 9106's second recommended option ("low memory"): argon2id, 64 MiB of memory,
3 passes, 4 lanes, a 16-byte salt and a 32-byte tag — about 0.15 s on one core of a small server.
A stored hash carries its parameters, so raising them later keeps old hashes verifiable and
:func:`needs_rehash` tells the sign-in to store a stronger one.

Checking an address that belongs to nobody verifies against a fixed dummy hash with the same
parameters, so a sign-in for an unknown address costs what one for a known address costs.
Hashing runs in a worker thread: 0.15 s of CPU must not stall the event loop.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.accounts.errors import PasswordRejected

PARAMETERS = profiles.RFC_9106_LOW_MEMORY
MIN_LENGTH = 10
MAX_LENGTH = 1024  # hashing megabytes of "password" would be a cheap way to burn CPU

_hasher = PasswordHasher.from_parameters(PARAMETERS)


def check_new_password(password: str, email: str = "", field: str = "password") -> None:
    """Raise :class:`PasswordRejected` when ``password`` is too short, too long or the address."""
    problem = None
    if len(password) < MIN_LENGTH:
        problem = f"a password has at least {MIN_LENGTH} characters"
    elif len(password) > MAX_LENGTH:
        problem = f"a password has at most {MAX_LENGTH} characters"
    elif email and password.strip().lower() in (email, email.split("@", 1)[0]):
        problem = "a password must not be the e-mail address"
    if problem is not None:
        raise PasswordRejected(
            problem, errors=[{"field": field, "message": problem, "code": PasswordRejected.code}]
        )


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not anyone's password, only here to spend the same time")


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with ``stored`` None, spends the same time and
    answers False."""
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH]
    return await asyncio.to_thread(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
