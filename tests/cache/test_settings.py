"""``ragfort.cache.settings``: the cache's settings models, the very ones a policy's ``cache:`` section becomes."""

from __future__ import annotations

import ragfort
import ragfort.cache_settings
from ragfort.cache import build_cache
from ragfort.cache.backends.memory import MemoryBackend
from ragfort.cache.settings import CacheSettings, SemanticSettings


def test_the_models_are_those_of_ragfort_cache_settings() -> None:
    assert CacheSettings is ragfort.cache_settings.CacheSettings
    assert SemanticSettings is ragfort.cache_settings.SemanticSettings
    assert ragfort.cache.settings.__all__ == ["CacheSettings", "SemanticSettings"]


def test_a_policys_cache_section_builds_the_cache_it_describes() -> None:
    section = {"backend": "memory", "ttl_s": 30, "max_entries": 5, "semantic": {"equivalence_judge": False}}
    policy = ragfort.load_policy({"name": "cache_settings_test", "cache": section})
    assert isinstance(policy.cache, CacheSettings)
    assert policy.cache.semantic == SemanticSettings(equivalence_judge=False)
    cache = build_cache(policy.cache)
    assert isinstance(cache.backend, MemoryBackend)
    assert cache.ttl_s == 30 and cache.semantic_settings is policy.cache.semantic
