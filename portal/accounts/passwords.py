"""Password hashing with Argon2id, a memory-hard function."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 10

#: The library's defaults (argon2id, 64 MiB, t=3), about 90 ms per hash here.
_STRONG = PasswordHasher()
#: For the test suite only: the same algorithm at minimal cost.
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _FAST
    return _STRONG


def hash_password(password: str) -> str:
    """Return the Argon2id hash of *password*."""
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Return whether *password* matches *password_hash*; never raises for bad input."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: A valid hash of a random password, checked when an e-mail is unknown so that a
#: wrong e-mail and a wrong password take the same time.
DUMMY_HASH = _STRONG.hash("not-a-real-password-0000")
