"""One way to open a Redis connection for every shared store (cache, vault, rate limits, traces).

Short socket timeouts and no client-side retries: a store that cannot answer
within a request's budget should be reported down at once, so the caller can
degrade (cache, rate limits) or fail closed (the PII vault).
"""

from __future__ import annotations

from typing import Any

from ragfort.errors import ConfigError

__all__ = ["connect"]


def connect(url: str, *, purpose: str, timeout_s: float = 0.25) -> tuple[Any, tuple[type[BaseException], ...]]:
    """A Redis client for `url` and the exception types that mean "Redis is unavailable".

    Args:
        url: a ``redis://``, ``rediss://`` or ``unix://`` URL.
        purpose: what needs Redis, for the error message ("the Redis cache").
        timeout_s: connect and socket timeout.

    Raises:
        ConfigError: the URL is not a Redis URL, or the ``redis`` package is missing.
    """
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - optional extra
        raise ConfigError(f"{purpose} needs the 'redis' package: pip install 'ragfort[redis]'") from exc
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"RAGFORT_REDIS_URL must be a redis:// URL, got {url!r}")
    client = redis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry_on_timeout=False
    )
    return client, (redis.RedisError, OSError)
