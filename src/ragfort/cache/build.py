"""Build a cache from settings: a registry of backend factories, not an if-chain."""

from __future__ import annotations

import os
from collections.abc import Callable

from ragfort.cache.backends.base import CacheBackend
from ragfort.cache.backends.memory import MemoryBackend
from ragfort.cache.backends.sqlite import SQLiteBackend
from ragfort.cache_settings import CacheSettings
from ragfort.cache.store import AnswerCache
from ragfort.errors import ConfigError
from ragfort.paths import data_dir

__all__ = ["BACKENDS", "build_cache"]


def _memory(settings: CacheSettings) -> CacheBackend:
    return MemoryBackend(max_entries=settings.max_entries)


def _sqlite(settings: CacheSettings) -> CacheBackend:
    path = settings.path or str(data_dir() / "cache.sqlite")
    return SQLiteBackend(path, max_entries=settings.max_entries)


def _redis(settings: CacheSettings) -> CacheBackend:
    from ragfort.cache.backends.redis import RedisBackend

    url = settings.redis_url or os.environ.get("RAGFORT_REDIS_URL")
    if not url:
        raise ConfigError("cache.backend is 'redis' but neither cache.redis_url nor RAGFORT_REDIS_URL is set")
    return RedisBackend(url)


BACKENDS: dict[str, Callable[[CacheSettings], CacheBackend]] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "redis": _redis,
}


def build_cache(settings: CacheSettings) -> AnswerCache:
    """An `AnswerCache` on the backend `settings.backend` names.

    Raises:
        ConfigError: the backend needs a setting that is missing.
    """
    return AnswerCache.from_settings(settings, BACKENDS[settings.backend](settings))
