"""Who is calling: API-key auth (``Authorization: Bearer <key>``) and per-key rate limits."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ragfort.server.errors import ApiError
from ragfort.server.keys import KeyStore, key_digest
from ragfort.server.ratelimit import Limiter, RateLimiter
from ragfort.server.settings import ServerSettings, is_loopback

__all__ = ["Authenticator", "Caller", "auth_enabled", "make_limiter"]

DEFAULT_TENANT = "default"


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller.

    Attributes:
        tenant: whose data the request may see.
        bucket: the rate-limit bucket (a key digest, or the client address when auth is off).
    """

    tenant: str
    bucket: str


def auth_enabled(settings: ServerSettings, keys: KeyStore) -> bool:
    """Resolve the ``auth`` setting: ``auto`` is off only on loopback with no keys created yet."""
    if settings.auth == "auto":
        return not is_loopback(settings.host) or keys.any_keys()
    return settings.auth == "on"


def make_limiter(settings: ServerSettings) -> Limiter:
    """Shared token buckets on Redis when ``RAGFORT_REDIS_URL`` is set (one limit for all replicas), else local."""
    if settings.redis_url:
        from ragfort.server.ratelimit_redis import RedisRateLimiter

        return RedisRateLimiter(settings.redis_url)
    return RateLimiter()


class Authenticator:
    """Turns a request into a `Caller`, or raises 401/429.

    Args:
        settings: for per-tenant rate limits.
        keys: the key store.
        enabled: whether keys are required.
    """

    def __init__(self, settings: ServerSettings, keys: KeyStore, *, enabled: bool) -> None:
        self.settings = settings
        self.keys = keys
        self.enabled = enabled
        self.limiter = make_limiter(settings)

    def caller(self, request: Request) -> Caller:
        """Authenticate `request` (401 on a missing or wrong key); may read the key store."""
        who = self._caller(request, memory_only=False)
        assert who is not None  # the store is consulted: a caller or a 401, never "unknown"
        return who

    def remembered_caller(self, request: Request) -> Caller | None:
        """`caller` without I/O: None when the key must be checked against the store first.

        The event loop calls this directly; only keys not seen in the last
        minute (and the 401s they may turn into) need a worker thread.
        """
        return self._caller(request, memory_only=True)

    def _caller(self, request: Request, *, memory_only: bool) -> Caller | None:
        if not self.enabled:
            host = request.client.host if request.client else "unknown"
            return Caller(tenant=DEFAULT_TENANT, bucket=f"addr:{host}")
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        challenge = {"WWW-Authenticate": 'Bearer realm="ragfort"'}
        if scheme.lower() != "bearer" or not key:
            raise ApiError(401, "missing API key: send 'Authorization: Bearer <key>'", headers=challenge)
        # One digest per request: the remembered-key lookup, the store and the rate-limit bucket share it.
        digest = key_digest(key)
        if memory_only:
            tenant = self.keys.remembered(key, digest=digest)
            if tenant is None:
                return None
        else:
            tenant = self.keys.tenant_of(key, digest=digest)
            if tenant is None:
                raise ApiError(401, "invalid API key", headers=challenge)
        return Caller(tenant=tenant, bucket="key:" + digest[:24])

    @property
    def local_limits(self) -> bool:
        """True when rate limits are kept in this process (taking a token needs no I/O)."""
        return isinstance(self.limiter, RateLimiter)

    def limit(self, caller: Caller) -> float:
        """Take a rate-limit token for `caller`; 0 when allowed, else seconds until the next one."""
        return self.limiter.take(caller.bucket, self.settings.rate_limit_for(caller.tenant))
