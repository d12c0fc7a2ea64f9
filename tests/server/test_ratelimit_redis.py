"""Shared token buckets on Redis: one limit across replicas, local fallback with one warning while Redis is away.

(The throwaway, restartable redis-server comes from the fault tests' `redis` fixture.)
"""

from __future__ import annotations

import logging

import pytest
from tests.faults import conftest as faults_conftest
from tests.faults.procs import Redis

from ragfort.errors import ConfigError
from ragfort.server.ratelimit_redis import RedisRateLimiter
from ragfort.server.settings import RateLimit

SLOW = RateLimit(per_second=0.001, burst=3)
redis = faults_conftest.redis  # the fixture: a throwaway redis-server per test


def test_two_replicas_share_one_bucket(redis: Redis) -> None:
    a, b = RedisRateLimiter(redis.url), RedisRateLimiter(redis.url)
    assert [a.take("k", SLOW), b.take("k", SLOW), a.take("k", SLOW)] == [0.0, 0.0, 0.0]
    wait = b.take("k", SLOW)
    assert 0 < wait <= 1000.0
    assert a.take("other", SLOW) == 0.0  # callers do not share buckets


def test_tokens_refill_at_the_configured_rate(redis: Redis) -> None:
    limiter = RedisRateLimiter(redis.url)
    fast = RateLimit(per_second=1000.0, burst=1)
    assert limiter.take("k", fast) == 0.0
    first_wait = limiter.take("k", fast)
    assert first_wait <= 0.001  # under a millisecond to the next token at 1000/s


def test_zero_rate_means_unlimited_without_touching_redis(redis: Redis) -> None:
    limiter = RedisRateLimiter(redis.url)
    redis.stop()
    assert all(limiter.take("k", RateLimit(per_second=0, burst=1)) == 0.0 for _ in range(20))
    assert not limiter.degraded


def test_bucket_keys_are_hashed_and_expire(redis: Redis) -> None:
    import redis as redis_py

    RedisRateLimiter(redis.url).take("addr:203.0.113.9", RateLimit(per_second=1, burst=2))
    client = redis_py.Redis.from_url(redis.url)
    (key,) = client.keys("*")
    assert b"203.0.113.9" not in key and key.startswith(b"ragfort:rl:")
    assert 0 < client.pttl(key) <= 3000  # full again after burst/rate = 2 s, plus a second


def test_an_outage_falls_back_to_local_buckets_with_one_warning(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisRateLimiter(redis.url, retry_s=0.0)
    assert limiter.take("k", SLOW) == 0.0
    redis.stop()
    with caplog.at_level(logging.WARNING, logger="ragfort.server"):
        waits = [limiter.take("k", SLOW) for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] > 0  # the local bucket starts full and then limits
    assert limiter.degraded
    assert len([r for r in caplog.records if "Redis unavailable for rate limits" in r.getMessage()]) == 1
    redis.start()
    assert limiter.take("fresh", SLOW) == 0.0
    assert not limiter.degraded and limiter.ping()


def test_a_bad_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="redis:// URL"):
        RedisRateLimiter("localhost:6379")
