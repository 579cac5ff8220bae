"""Password hashing with Argon2id, a memory-hard function.

The cost is OWASP's recommended Argon2id profile (19 MiB of memory, 2 passes, 1 lane):
about 30 ms per hash here. argon2-cffi's default (64 MiB, 3 passes) made four sign-ins at
once add a quarter of a gigabyte to a worker. On top of that, a process computes at most
:data:`CONCURRENT_HASHES` hashes at a time, so a burst of sign-ins queues for a few
milliseconds instead of holding memory and both cores. Hashes made with other parameters
still verify (the parameters are part of the hash) and are replaced at the next sign-in
(:func:`needs_rehash`). And :func:`return_large_blocks` makes sure those 19 MiB go back to
the system once a hash is done.
"""

from __future__ import annotations

import ctypes
import sys
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


@cache
def return_large_blocks() -> bool:
    """Have the C allocator give every block of 1 MiB or more back to the system when freed.

    glibc serves big blocks with mmap and returns them on free, but raises that threshold
    to the size of the last big block freed: after the first sign-in, Argon2's 19 MiB come
    from the heap, and each thread's heap keeps them (a worker grew by ~90 MB after a few
    sign-ins and never shrank). Fixing the threshold (``M_MMAP_THRESHOLD``) turns that off.
    Called once per process by the app factory; does nothing on another C library.

    :return: whether the setting was made
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the process already runs on
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 1 << 20))


#: glibc's malloc.h.
_M_MMAP_THRESHOLD = -3


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
