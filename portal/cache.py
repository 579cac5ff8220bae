"""A small per-process cache for things that, once read or rendered, stay true.

Used where a value is fully identified by its key, so that nothing ever has to be removed
for being stale: a frozen course version (see :mod:`portal.catalog.frozen`), a verification
page rendered for a certificate in a given state (see :mod:`portal.certification.views`).
Each gunicorn worker keeps its own; the oldest entries go first once it is full.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

__all__ = ["BoundedCache", "app_cache"]


class BoundedCache:
    """A thread-safe map of at most *size* entries that forgets the oldest first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[Any, Any] = {}
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        """Return the value kept under *key*, or ``None``."""
        value = self.entries.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key, value) -> None:
        """Keep *value* under *key*, forgetting the oldest entries past the size."""
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                del self.entries[next(iter(self.entries))]

    def info(self) -> dict[str, int]:
        """Return hits, misses and the current size (for tests and benchmarks)."""
        return {"hits": self.hits, "misses": self.misses, "size": len(self.entries)}


def app_cache(name: str, size: int) -> BoundedCache:
    """Return the current application's cache called *name*, made on first use."""
    key = f"portal.cache.{name}"
    cache = current_app.extensions.get(key)
    if cache is None:
        cache = current_app.extensions.setdefault(key, BoundedCache(size))
    return cache
