"""Per-key rate limits: one token bucket per API key, in process memory.

Each request takes one token; tokens refill at ``per_second`` up to
``burst``. An empty bucket answers how long until the next token, which the
API sends as ``Retry-After``. Buckets here are per process: with several
workers or replicas each enforces its own share. With ``RAGFORT_REDIS_URL``
the service uses `ragfort.server.ratelimit_redis.RedisRateLimiter` instead
(one bucket per caller for all replicas), which falls back to this one
while Redis is down.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from ragfort.server.settings import RateLimit

__all__ = ["Limiter", "RateLimiter"]


class Limiter(Protocol):
    """What the API needs from a rate limiter."""

    def take(self, caller: str, limit: RateLimit) -> float:
        """Take a token for `caller`; 0 when allowed, else seconds until one is available."""
        ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by caller.

    Args:
        max_buckets: callers remembered at most; full buckets are dropped
            first (they carry no state worth keeping).
    """

    def __init__(self, *, max_buckets: int = 100_000) -> None:
        self.max_buckets = max_buckets
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, caller: str, limit: RateLimit) -> float:
        """Take a token for `caller`; returns 0 when allowed, else seconds until one is available."""
        if limit.per_second <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(caller)
            if bucket is None:
                if len(self._buckets) >= self.max_buckets:
                    self._evict(now, limit)
                bucket = self._buckets[caller] = _Bucket(tokens=float(limit.burst), updated=now)
            bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.updated) * limit.per_second)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / limit.per_second

    def _evict(self, now: float, limit: RateLimit) -> None:
        refill_s = limit.burst / limit.per_second
        stale = [k for k, b in self._buckets.items() if now - b.updated >= refill_s]
        for key in stale:
            del self._buckets[key]
        if len(self._buckets) >= self.max_buckets:
            self._buckets.clear()

    @staticmethod
    def retry_after(seconds: float) -> str:
        """The ``Retry-After`` header value (whole seconds, at least 1)."""
        return str(max(1, math.ceil(seconds)))
