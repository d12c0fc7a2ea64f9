"""Cache settings: the validated ``cache:`` section of a policy.

The model lives here, below both `ragfort.policy` (which validates the
section when a policy loads) and `ragfort.cache` (which builds the cache
from it), so the policy never imports the cache package. It imports only
pydantic. ``ragfort.cache.settings`` re-exports it.

Shape (every key optional)::

    cache:
      enabled: true
      backend: sqlite          # memory | sqlite | redis | auto (redis if RAGFORT_REDIS_URL is set, else sqlite)
      path: null               # sqlite file; default <data dir>/cache.sqlite
      redis_url: null          # default $RAGFORT_REDIS_URL
      ttl_s: 86400             # fresh for a day
      stale_grace_s: 604800    # then kept a week, served only as a budget fallback
      max_entries: 10000       # LRU bound (memory, sqlite; Redis expires by TTL)
      semantic:
        enabled: true
        threshold: 0.75        # cosine of the question vectors
        anchor_depth: 3        # retrieval agreement: top-1 of one within top-N of the other
        max_candidates: 64
        equivalence_judge: true  # the learned question-equivalence judge, the last gate of a semantic hit
        judged_threshold: 0.68   # the cosine a candidate needs when the judge reads it (instead of threshold)
        min_equivalence: 0.8     # the judge's probability that one answer serves both questions
        judge_candidates: 3      # candidates (best cosine first) the judge reads per lookup
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ragfort.paths import redis_url

__all__ = ["CacheSettings", "SemanticSettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SemanticSettings(_Strict):
    """The semantic (paraphrase) cache: similarity, retrieval agreement, near-miss rules, equivalence judge.

    ``equivalence_judge`` asks the shipped ``equivalence`` cross-encoder
    (`ragfort.judges`) whether one answer serves both questions, after every
    rule has passed; a hit needs its probability (the mean of both orders)
    to reach ``min_equivalence``. Entries then also keep the (redacted)
    question text, which the judge reads. ``judge_candidates`` bounds how
    many candidates, best cosine first, the judge reads per lookup.
    """

    enabled: bool = True
    threshold: float = Field(default=0.75, ge=0.0, le=1.0)
    anchor_depth: int = Field(default=3, ge=1, le=20)
    max_candidates: int = Field(default=64, ge=1, le=10_000)
    equivalence_judge: bool = True
    judged_threshold: float = Field(default=0.68, ge=0.0, le=1.0)
    min_equivalence: float = Field(default=0.8, ge=0.0, le=1.0)
    judge_candidates: int = Field(default=3, ge=1, le=64)


class CacheSettings(_Strict):
    """Where answers are cached and for how long.

    ``backend: auto`` is resolved when the settings are validated: ``redis``
    when ``redis_url`` or ``$RAGFORT_REDIS_URL`` is set (replicas share one
    cache), else ``sqlite``; the validated value is never ``auto``.
    """

    enabled: bool = True
    backend: Literal["memory", "sqlite", "redis", "auto"] = "sqlite"
    path: str | None = None
    redis_url: str | None = None
    ttl_s: float = Field(default=86_400.0, gt=0)
    stale_grace_s: float = Field(default=604_800.0, ge=0)
    max_entries: int = Field(default=10_000, ge=1)
    semantic: SemanticSettings = Field(default_factory=SemanticSettings)

    @model_validator(mode="before")
    @classmethod
    def _resolve_auto(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("backend") == "auto":
            shared = data.get("redis_url") or redis_url()
            data = {**data, "backend": "redis" if shared else "sqlite"}
        return data
