"""Rate limits shared by replicas: the token bucket as one atomic Redis script.

With N replicas behind a load balancer, per-process buckets let a caller
through N times faster than configured. Here each caller's bucket is a
Redis hash (``tokens``, ``ts``) updated by a Lua script, so take-a-token is
one atomic round trip whichever replica asks, and the clock is Redis's own
(``TIME``), so replicas with skewed clocks still agree. Buckets expire once
they would be full again: an idle caller costs nothing.

Bucket keys are hashed: the caller id may be a client address, which has no
business sitting in Redis in clear.

Redis down: the limiter falls back to the in-process `RateLimiter` with ONE
warning per outage and tries Redis again after `retry_s`; requests are
never refused, or delayed by more than the socket timeout, because the
limiter's store is away.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from typing import Any

from ragfort.redis_client import connect
from ragfort.server.ratelimit import RateLimiter
from ragfort.server.settings import RateLimit

__all__ = ["RedisRateLimiter"]

log = logging.getLogger("ragfort.server")

_PREFIX = "ragfort:rl:"

# KEYS[1] the bucket; ARGV: per_second, burst. Returns the wait in seconds as a string
# (Lua numbers would be truncated to integers in the reply).
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisRateLimiter:
    """Token buckets in Redis, shared by every replica; same interface as `RateLimiter`.

    Args:
        url: a ``redis://`` URL (``RAGFORT_REDIS_URL``).
        timeout_s: socket connect/read timeout.
        retry_s: how long to use the local fallback after a failure before trying Redis again.

    Raises:
        ConfigError: the URL is not a Redis URL, or the ``redis`` package is missing.
    """

    def __init__(self, url: str, *, timeout_s: float = 0.25, retry_s: float = 5.0) -> None:
        self._client, self._errors = connect(url, purpose="shared rate limits", timeout_s=timeout_s)
        self._script: Any = self._client.register_script(_TAKE)
        self.fallback = RateLimiter()
        self.retry_s = retry_s
        self._down_until = 0.0
        self._outage = False
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and the local buckets decide."""
        return self._outage

    def take(self, caller: str, limit: RateLimit) -> float:
        """Take a token for `caller`; 0 when allowed, else seconds until one is available."""
        if limit.per_second <= 0:
            return 0.0
        if time.monotonic() < self._down_until:
            return self.fallback.take(caller, limit)
        key = _PREFIX + hashlib.sha256(caller.encode()).hexdigest()[:32]
        try:
            wait = float(self._script(keys=[key], args=[repr(float(limit.per_second)), int(limit.burst)]))
        except self._errors as exc:
            self._failed(exc)
            return self.fallback.take(caller, limit)
        if self._outage:
            with self._lock:
                self._outage = False
            log.info("Redis is back: rate limits are shared by the replicas again")
        return max(0.0, wait)

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_s
            first = not self._outage
            self._outage = True
        if first:
            log.warning(
                "Redis unavailable for rate limits (%s); each replica enforces its own limit until it is back",
                type(exc).__name__,
            )

    def ping(self) -> bool:
        """Whether Redis answers now (for ``/readyz``; never raises)."""
        try:
            return bool(self._client.ping())
        except self._errors:
            return False

    @staticmethod
    def retry_after(seconds: float) -> str:
        """The ``Retry-After`` header value (whole seconds, at least 1)."""
        return RateLimiter.retry_after(seconds)

    def close(self) -> None:
        """Release the connection pool."""
        with contextlib.suppress(*self._errors):
            self._client.close()
