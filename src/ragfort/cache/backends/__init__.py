"""Cache backends: in-memory, SQLite on disk (the embedded default), Redis (several replicas).

Every backend stores `CacheEntry` objects under their key, finds semantic
candidates by shared retrieval anchors, and drops entries that depend on a
document. Backends never raise to a request: a broken store is a miss.
"""

from __future__ import annotations

from ragfort.cache.backends.base import CacheBackend
from ragfort.cache.backends.memory import MemoryBackend
from ragfort.cache.backends.sqlite import SQLiteBackend

__all__ = ["CacheBackend", "MemoryBackend", "SQLiteBackend"]
