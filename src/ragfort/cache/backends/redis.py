"""Redis backend: one cache for several replicas (``RAGFORT_REDIS_URL``).

Entries are plain keys holding the checksummed JSON payload with a Redis TTL
covering freshness plus the stale grace; anchors and document dependencies
are sets. Size is bounded by the TTL and by Redis's own ``maxmemory`` policy
(set ``allkeys-lru`` on a dedicated instance).

An outage never reaches the user: every operation catches Redis errors,
logs ONE warning per outage and degrades to a miss. While down, the backend
does not try again for `retry_s` seconds, so requests do not each pay a
connection timeout; the first successful call after that ends the outage.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ragfort.cache.entry import CacheEntry, CorruptEntry
from ragfort.redis_client import connect

__all__ = ["RedisBackend"]

log = logging.getLogger("ragfort.cache")

_PREFIX = "ragfort:cache:"


class RedisBackend:
    """Entries in Redis.

    Args:
        url: a ``redis://`` URL.
        timeout_s: socket connect/read timeout; small, so an outage costs little budget.
        retry_s: how long to stay degraded after a failure before trying again.
    """

    name = "redis"

    def __init__(self, url: str, *, timeout_s: float = 0.25, retry_s: float = 5.0) -> None:
        self._client, self._errors = connect(url, purpose="the Redis cache", timeout_s=timeout_s)
        self.retry_s = retry_s
        self._down_until = 0.0
        self._outage = False
        self._lock = threading.Lock()

    # -- outage handling ------------------------------------------------------------
    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_s
            if not self._outage:
                self._outage = True
                log.warning("Redis cache unavailable (%s); serving without cache until it is back", type(exc).__name__)

    def _ok(self) -> None:
        if self._outage:
            with self._lock:
                self._outage = False
            log.info("Redis cache is back")

    def _call(self, fn: Any, default: Any) -> Any:
        if not self._available():
            return default
        try:
            out = fn()
        except self._errors as exc:
            self._failed(exc)
            return default
        self._ok()
        return out

    # -- the protocol ------------------------------------------------------------------
    def get(self, key: str) -> CacheEntry | None:
        payload = self._call(lambda: self._client.get(_PREFIX + "e:" + key), None)
        if payload is None:
            return None
        try:
            entry = CacheEntry.from_bytes(payload)
        except CorruptEntry as exc:
            log.warning("dropping a corrupt cache entry (%s)", exc)
            self._call(lambda: self._client.delete(_PREFIX + "e:" + key), None)
            return None
        return entry if entry.key == key and entry.stale_until > time.time() else None

    def put(self, entry: CacheEntry) -> None:
        ttl = max(1, int(entry.stale_until - time.time()) + 1)

        def write() -> None:
            pipe = self._client.pipeline(transaction=False)
            pipe.set(_PREFIX + "e:" + entry.key, entry.to_bytes(), ex=ttl)
            for a in entry.anchors:
                pipe.sadd(_PREFIX + "a:" + a, entry.key)
                pipe.expire(_PREFIX + "a:" + a, ttl)
            for d in entry.deps:
                pipe.sadd(_PREFIX + "d:" + d, entry.key)
                pipe.expire(_PREFIX + "d:" + d, ttl)
            pipe.execute()

        self._call(write, None)

    def candidates(self, namespace: str, anchors: Sequence[str], *, limit: int) -> list[CacheEntry]:
        if not anchors:
            return []

        def read() -> list[Any]:
            keys = sorted(k.decode() if isinstance(k, bytes) else str(k) for k in
                          self._client.sunion([_PREFIX + "a:" + a for a in anchors]))[: limit * 4]  # fmt: skip
            if not keys:
                return []
            return list(zip(keys, self._client.mget([_PREFIX + "e:" + k for k in keys]), strict=True))

        now = time.time()
        out = []
        for key, payload in self._call(read, []):
            if payload is None:
                continue
            try:
                entry = CacheEntry.from_bytes(payload)
            except CorruptEntry:
                continue
            if entry.key == key and entry.namespace == namespace and entry.stale_until > now:
                out.append(entry)
            if len(out) >= limit:
                break
        return out

    def delete(self, key: str) -> None:
        # The anchor and dependency sets keep the key until they expire; readers skip keys with no entry.
        self._call(lambda: self._client.delete(_PREFIX + "e:" + key), None)

    def drop_documents(self, deps: Iterable[str]) -> int:
        deps = list(deps)
        if not deps:
            return 0

        def drop() -> int:
            sets = [_PREFIX + "d:" + d for d in deps]
            keys = self._client.sunion(sets)
            # DEL counts only the entries that still existed; the sets may name some already deleted or expired.
            deleted = self._client.delete(*[_PREFIX + "e:" + (k.decode() if isinstance(k, bytes) else k) for k in keys])
            self._client.delete(*sets)  # their members are gone: the sets would only name dead keys from now on
            return int(deleted) if keys else 0

        return int(self._call(drop, 0))

    def clear(self) -> None:
        def wipe() -> None:
            batch = list(self._client.scan_iter(match=_PREFIX + "*", count=500))
            if batch:
                self._client.delete(*batch)

        self._call(wipe, None)

    def close(self) -> None:
        with contextlib.suppress(*self._errors):
            self._client.close()
