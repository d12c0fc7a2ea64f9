"""The cache's settings models, re-exported from `ragfort.cache_settings` where they live.

They sit outside the cache package so that `ragfort.policy` can validate a
policy's ``cache:`` section without importing the cache itself.
"""

from __future__ import annotations

from ragfort.cache_settings import CacheSettings, SemanticSettings

__all__ = ["CacheSettings", "SemanticSettings"]
