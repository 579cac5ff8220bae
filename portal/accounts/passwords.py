"""Password hashing with Argon2id, a memory-hard function.

The cost is OWASP's recommended Argon2id profile (19 MiB of memory, 2 passes, 1 lane):
about 30 ms per hash here. argon2-cffi's default (64 MiB, 3 passes) made four sign-ins at
once add a quarter of a gigabyte to a worker. On top of that, a process computes at most
:data:`CONCURRENT_HASHES` hashes at a time, so a burst of sign-ins queues for a few
milliseconds instead of holding memory and both cores. Hashes made with other parameters
still verify (the parameters are part of the hash) and are replaced at the next sign-in
(:func:`needs_rehash`).
"""

from __future__ import annotations

import threading
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 10
#: Hashes one process computes at once (each holds 19 MiB while it runs).
CONCURRENT_HASHES = 2

#: OWASP Password Storage Cheat Sheet, Argon2id: m = 19 MiB, t = 2, p = 1.
_STRONG = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: For the test suite only: the same algorithm at minimal cost.
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_TURNS = threading.BoundedSemaphore(CONCURRENT_HASHES)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _FAST
    return _STRONG


def hash_password(password: str) -> str:
    """Return the Argon2id hash of *password*."""
    hasher = _hasher()
    with _TURNS:
        return hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Return whether *password* matches *password_hash*; never raises for bad input."""
    try:
        with _TURNS:
            return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def strong_hasher() -> PasswordHasher:
    """Return the production hasher (for the scale seed, which hashes with its own salt)."""
    return _STRONG


def needs_rehash(password_hash: str) -> bool:
    """Return whether *password_hash* was made with other parameters than today's."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def dummy_hash() -> str:
    """Return a valid hash of a random password, checked when an e-mail is unknown so that
    a wrong e-mail and a wrong password take the same time (made on first use, not at
    import)."""
    return _STRONG.hash("not-a-real-password-0000")
