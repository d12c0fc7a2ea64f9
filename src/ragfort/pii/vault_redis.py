"""The PII vault on Redis: one session mapping shared by every replica (``RAGFORT_REDIS_URL``).

The records are exactly the SQLite vault's: values sealed with AES-GCM by
`VaultKeys` (bound to tenant, session and placeholder), filed under the
keyed scope hash, so Redis never sees a tenant, a session id or a value in
clear. One Redis hash per session::

    ragfort:vault:<scope>   field = placeholder, value = 8-byte expiry + sealed record

Each record carries its own expiry (read back and checked on `load`, as in
SQLite); the hash itself gets a Redis TTL of the newest record's, so a
forgotten session disappears from Redis without a sweeper.

Unlike the answer cache, the vault never degrades quietly: a request that
needs a session's mapping cannot be redacted consistently (or restored)
without it. Every Redis failure raises `BackendError`; the PII guard is
required, so the pipeline blocks the request (fail closed, nothing sent
unredacted) and the service answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import contextlib
import struct
import time
from collections.abc import Callable, Iterable
from typing import Any

from ragfort.errors import BackendError
from ragfort.pii.sealing import VaultKeys, VaultRecord
from ragfort.redis_client import connect

__all__ = ["REDIS_URL_ENV", "RedisVault"]

REDIS_URL_ENV = "RAGFORT_REDIS_URL"
_PREFIX = "ragfort:vault:"
_EXPIRY = struct.Struct(">d")


class RedisVault:
    """A vault in Redis, shared by replicas.

    Args:
        url: a ``redis://`` (or ``rediss://``, ``unix://``) URL.
        keys: vault keys; default `VaultKeys.load()` (every replica needs the
            same ``RAGFORT_VAULT_KEY``).
        timeout_s: socket connect/read timeout; small, so an outage costs
            little of the request's budget before it is refused.
        clock: seconds since the epoch; injectable for TTL tests.

    Raises:
        ConfigError: the URL is not a Redis URL, or the ``redis`` package is missing.
    """

    def __init__(
        self,
        url: str,
        *,
        keys: VaultKeys | None = None,
        timeout_s: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client, self._errors = connect(url, purpose="the Redis vault", timeout_s=timeout_s)
        self.keys = keys or VaultKeys.load()
        self._clock = clock

    def _key(self, tenant: str, session: str) -> str:
        return _PREFIX + self.keys.scope(tenant, session)

    def _run(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self._errors as exc:
            # The message names the operation, never the tenant or session (they are personal context).
            raise BackendError(f"the PII vault on Redis is unreachable ({what}: {type(exc).__name__})") from exc

    def load(self, tenant: str, session: str) -> list[VaultRecord]:
        """Every unexpired record of this tenant's session.

        Raises:
            BackendError: Redis could not be reached.
        """
        rows: dict[bytes, bytes] = self._run("load", lambda: self._client.hgetall(self._key(tenant, session)))
        now = self._clock()
        out: list[VaultRecord] = []
        for field, value in rows.items():
            if len(value) <= _EXPIRY.size:
                continue  # not ours, or damaged: unusable either way
            (expires,) = _EXPIRY.unpack_from(value)
            if expires <= now:
                continue
            placeholder = field.decode("utf-8", errors="replace")
            record = self.keys.open(tenant, session, placeholder, value[_EXPIRY.size :])
            if record is not None:
                out.append(record)
        return out

    def save(self, tenant: str, session: str, records: Iterable[VaultRecord], *, ttl_s: float) -> None:
        """Store `records` for this tenant's session, expiring `ttl_s` seconds from now.

        Raises:
            BackendError: Redis could not be reached.
        """
        expires = self._clock() + ttl_s
        stamp = _EXPIRY.pack(expires)
        mapping = {r.placeholder: stamp + self.keys.seal(tenant, session, r) for r in records}
        if not mapping:
            return
        key = self._key(tenant, session)

        def write() -> None:
            # One transaction: the records and the key's expiry land together or not at all.
            pipe = self._client.pipeline(transaction=True)
            pipe.hset(key, mapping=mapping)
            pipe.pexpire(key, max(1, int(ttl_s * 1000)))
            pipe.execute()

        self._run("save", write)

    def purge(self, tenant: str, session: str) -> None:
        """Forget a session.

        Raises:
            BackendError: Redis could not be reached.
        """
        self._run("purge", lambda: self._client.delete(self._key(tenant, session)))

    def close(self) -> None:
        """Release the connection pool."""
        with contextlib.suppress(*self._errors):
            self._client.close()
