"""Token buckets: a burst is allowed, then the caller waits; callers do not share buckets."""

from __future__ import annotations

from ragfort.server.ratelimit import RateLimiter
from ragfort.server.settings import RateLimit


def test_burst_then_wait() -> None:
    limiter = RateLimiter()
    limit = RateLimit(per_second=0.001, burst=3)
    assert [limiter.take("k", limit) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("k", limit)
    assert 0 < wait <= 1000.0
    assert RateLimiter.retry_after(wait) == str(int(-(-wait // 1)))


def test_callers_have_their_own_buckets() -> None:
    limiter = RateLimiter()
    limit = RateLimit(per_second=0.001, burst=1)
    assert limiter.take("a", limit) == 0.0
    assert limiter.take("a", limit) > 0
    assert limiter.take("b", limit) == 0.0


def test_zero_rate_means_unlimited() -> None:
    limiter = RateLimiter()
    assert all(limiter.take("a", RateLimit(per_second=0, burst=1)) == 0.0 for _ in range(100))


def test_bucket_count_is_bounded() -> None:
    limiter = RateLimiter(max_buckets=10)
    for i in range(50):
        limiter.take(f"c{i}", RateLimit(per_second=1, burst=1))
    assert len(limiter._buckets) <= 10
