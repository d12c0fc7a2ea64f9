"""Build a cache from settings: a registry of backend factories, not an if-chain.

`build_cache` opens (or creates) the store a policy's ``cache:`` section
names, for serving. `drop_cached_documents` reaches the same store from
another process (``ragfort ingest``) to drop the answers that depend on
documents that changed; it never creates a store that is not there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from pathlib import Path

from ragfort.cache.backends.base import CacheBackend
from ragfort.cache.backends.memory import MemoryBackend
from ragfort.cache.backends.sqlite import SQLiteBackend
from ragfort.cache.store import AnswerCache, drop_dependents
from ragfort.cache_settings import CacheSettings
from ragfort.errors import ConfigError
from ragfort.paths import data_dir, redis_url

__all__ = ["BACKENDS", "build_cache", "drop_cached_documents"]

log = logging.getLogger("ragfort.cache")


def _memory(settings: CacheSettings) -> CacheBackend:
    return MemoryBackend(max_entries=settings.max_entries)


def _sqlite_path(settings: CacheSettings) -> Path:
    return Path(settings.path) if settings.path else data_dir() / "cache.sqlite"


def _sqlite(settings: CacheSettings) -> CacheBackend:
    return SQLiteBackend(_sqlite_path(settings), max_entries=settings.max_entries)


def _redis(settings: CacheSettings) -> CacheBackend:
    from ragfort.cache.backends.redis import RedisBackend

    url = settings.redis_url or redis_url()
    if not url:
        raise ConfigError("cache.backend is 'redis' but neither cache.redis_url nor RAGFORT_REDIS_URL is set")
    return RedisBackend(url)


BACKENDS: dict[str, Callable[[CacheSettings], CacheBackend]] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "redis": _redis,
}

# The same stores, opened only when they already hold entries another process can reach:
# a memory cache lives and dies with the process that serves from it.
_EXISTING: dict[str, Callable[[CacheSettings], CacheBackend | None]] = {
    "memory": lambda settings: None,
    "sqlite": lambda settings: _sqlite(settings) if _sqlite_path(settings).exists() else None,
    "redis": _redis,
}


def build_cache(settings: CacheSettings) -> AnswerCache:
    """An `AnswerCache` on the backend `settings.backend` names.

    Raises:
        ConfigError: the backend needs a setting that is missing.
    """
    return AnswerCache.from_settings(settings, BACKENDS[settings.backend](settings))


def drop_cached_documents(settings: CacheSettings, doc_ids: Collection[str]) -> int:
    """Drop, from the store `settings` names, every cached answer that depends on one of `doc_ids`.

    For re-ingest: the documents whose content changed or that are gone. The
    store is dropped from even when ``enabled`` is false, so entries written
    before the cache was turned off cannot come back when it is turned on.
    A store that does not exist (no SQLite file yet, a memory cache) is left
    alone; an unreachable Redis is a warning from the backend, not an error.

    Returns:
        How many entries were dropped.

    Raises:
        ConfigError: the backend needs a setting that is missing.
    """
    if not doc_ids:
        return 0
    backend = _EXISTING[settings.backend](settings)
    if backend is None:
        return 0
    try:
        dropped = drop_dependents(backend, doc_ids)
    finally:
        backend.close()
    if dropped:
        log.info("dropped %d cached answers that depended on %d changed documents", dropped, len(doc_ids))
    return dropped
