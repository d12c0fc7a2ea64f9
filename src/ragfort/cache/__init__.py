"""The answer cache: exact and semantic hits that never serve the wrong answer.

The cache is a pipeline layer placed after the input gate (keys come from
redacted text), with a semantic half placed after retrieval (it reuses the
question vector and the retrieved chunk ids). Only answers that passed the
output guards are stored; entries past their TTL are kept for a grace
period and served only as a latency-budget fallback.

Public surface::

    AnswerCache, Match                  the cache over a backend
    MemoryBackend, SQLiteBackend,       backends (RedisBackend needs the redis package)
    RedisBackend
    CacheSettings, SemanticSettings     the validated ``cache:`` policy section
    build_cache(settings)               a cache from settings (backend registry)
    drop_cached_documents(settings, ids)   drop the answers that depend on changed documents
    question_features, compare          the near-miss check
    cache_layers(cache, chain=..., policy=...)   in ``ragfort.cache.layer``
"""

from __future__ import annotations

from ragfort.cache.backends import CacheBackend, MemoryBackend, SQLiteBackend
from ragfort.cache.build import BACKENDS, build_cache, drop_cached_documents
from ragfort.cache.entry import CacheEntry
from ragfort.cache.features import QuestionFeatures, question_features
from ragfort.cache.nearmiss import NearMissCheck, compare
from ragfort.cache.store import AnswerCache, Match
from ragfort.cache_settings import CacheSettings, SemanticSettings

__all__ = [
    "BACKENDS",
    "AnswerCache",
    "CacheBackend",
    "CacheEntry",
    "CacheSettings",
    "Match",
    "MemoryBackend",
    "NearMissCheck",
    "QuestionFeatures",
    "SQLiteBackend",
    "SemanticSettings",
    "build_cache",
    "compare",
    "drop_cached_documents",
    "question_features",
]
