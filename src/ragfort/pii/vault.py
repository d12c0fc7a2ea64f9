"""The vault: placeholder → value mappings per tenant and session, encrypted, with a TTL.

Storage keys are ``(tenant, session, placeholder)``. Values are sealed with
AES-GCM whose associated data is that same triple, so a ciphertext copied to
another tenant's or session's row fails to decrypt instead of leaking. The
tenant and session are not stored in clear either: rows are filed under an
HMAC of the pair ("scope"), so the file does not list who talked to support.

The key (`ragfort.pii.sealing`) comes from ``RAGFORT_VAULT_KEY`` (URL-safe base64 of 32 bytes, the
format `Fernet.generate_key()` prints) or, failing that, from ``vault.key`` in
the data dir, created on first use with mode 0600. Sub-keys for encryption,
scopes, per-tenant hash salts and corpus placeholders are derived from it with
HKDF, so one secret serves all and none can be computed from another.

Backends implement the small `Vault` protocol: `MemoryVault` (one process)
and `SQLiteVault` (``data_dir()/vault.sqlite``); a Redis backend only needs
`load`, `save` and `purge` over the same sealed records.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from ragfort.errors import ConfigError
from ragfort.paths import data_dir
from ragfort.paths import redis_url as shared_redis_url
from ragfort.pii.sealing import KEY_ENV, VaultKeys, VaultRecord

__all__ = ["KEY_ENV", "MemoryVault", "SQLiteVault", "Vault", "VaultKeys", "VaultRecord", "open_vault"]

@runtime_checkable
class Vault(Protocol):
    """Storage for a session's placeholder mappings. Backends store sealed values only."""

    def load(self, tenant: str, session: str) -> list[VaultRecord]:
        """Every unexpired record of this tenant's session."""
        ...

    def save(self, tenant: str, session: str, records: Iterable[VaultRecord], *, ttl_s: float) -> None:
        """Store `records` for this tenant's session, expiring `ttl_s` seconds from now."""
        ...

    def purge(self, tenant: str, session: str) -> None:
        """Forget a session (for example on a customer's erasure request)."""
        ...


class MemoryVault:
    """A vault in this process's memory (values still sealed). For tests and single-process use.

    Args:
        keys: vault keys; default `VaultKeys.load()`.
        clock: seconds since the epoch; injectable for TTL tests.
    """

    def __init__(self, *, keys: VaultKeys | None = None, clock: Callable[[], float] = time.time) -> None:
        self.keys = keys or VaultKeys.load()
        self._clock = clock
        self._rows: dict[str, dict[str, tuple[bytes, float]]] = {}
        self._lock = threading.Lock()

    def load(self, tenant: str, session: str) -> list[VaultRecord]:
        now = self._clock()
        scope = self.keys.scope(tenant, session)
        out: list[VaultRecord] = []
        with self._lock:
            rows = self._rows.get(scope, {})
            for placeholder, (blob, expires) in list(rows.items()):
                if expires <= now:
                    del rows[placeholder]
                    continue
                record = self.keys.open(tenant, session, placeholder, blob)
                if record is not None:
                    out.append(record)
        return out

    def save(self, tenant: str, session: str, records: Iterable[VaultRecord], *, ttl_s: float) -> None:
        expires = self._clock() + ttl_s
        scope = self.keys.scope(tenant, session)
        with self._lock:
            rows = self._rows.setdefault(scope, {})
            for record in records:
                rows[record.placeholder] = (self.keys.seal(tenant, session, record), expires)

    def purge(self, tenant: str, session: str) -> None:
        with self._lock:
            self._rows.pop(self.keys.scope(tenant, session), None)


class SQLiteVault:
    """A vault in a SQLite file (default ``data_dir()/vault.sqlite``).

    Args:
        path: the database file.
        keys: vault keys; default `VaultKeys.load()` (key file beside the database).
        clock: seconds since the epoch; injectable for TTL tests.
    """

    def __init__(
        self,
        *,
        path: str | os.PathLike[str] | None = None,
        keys: VaultKeys | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path) if path is not None else data_dir() / "vault.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.keys = keys or VaultKeys.load(path=self.path.parent / "vault.key")
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vault (scope TEXT NOT NULL, placeholder TEXT NOT NULL, "
            "sealed BLOB NOT NULL, expires REAL NOT NULL, PRIMARY KEY (scope, placeholder))"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS vault_expires ON vault (expires)")

    def load(self, tenant: str, session: str) -> list[VaultRecord]:
        now = self._clock()
        scope = self.keys.scope(tenant, session)
        with self._lock:
            self._db.execute("DELETE FROM vault WHERE expires <= ?", (now,))
            rows = self._db.execute("SELECT placeholder, sealed FROM vault WHERE scope = ?", (scope,)).fetchall()
        out = []
        for placeholder, blob in rows:
            record = self.keys.open(tenant, session, placeholder, blob)
            if record is not None:
                out.append(record)
        return out

    def save(self, tenant: str, session: str, records: Iterable[VaultRecord], *, ttl_s: float) -> None:
        expires = self._clock() + ttl_s
        scope = self.keys.scope(tenant, session)
        rows = [(scope, r.placeholder, self.keys.seal(tenant, session, r), expires) for r in records]
        if not rows:
            return
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vault VALUES (?, ?, ?, ?)", rows)

    def purge(self, tenant: str, session: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM vault WHERE scope = ?", (self.keys.scope(tenant, session),))

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


_open: dict[tuple[str, str], Vault] = {}
_open_lock = threading.Lock()


def open_vault(backend: str, *, path: str | os.PathLike[str] | None = None) -> Vault:
    """The process-wide vault for `backend`: ``memory``, ``sqlite``, ``redis`` or ``auto``.

    ``redis`` uses ``$RAGFORT_REDIS_URL`` (see `ragfort.pii.vault_redis`);
    ``auto`` means ``redis`` when that variable is set, else ``sqlite``.

    Raises:
        ConfigError: an unknown backend name, or ``redis`` without ``RAGFORT_REDIS_URL``.
    """
    redis_url = shared_redis_url() or ""
    if backend == "auto":
        backend = "redis" if redis_url else "sqlite"
    key_file = Path(path).parent / "vault.key" if path else None

    def redis_vault() -> Vault:
        from ragfort.pii.vault_redis import RedisVault

        if not redis_url:
            raise ConfigError("the PII vault backend is 'redis' but RAGFORT_REDIS_URL is not set")
        return RedisVault(redis_url, keys=VaultKeys.load(path=key_file))

    factories: dict[str, Callable[[], Vault]] = {
        "memory": lambda: MemoryVault(keys=VaultKeys.load(path=key_file) if key_file else None),
        "sqlite": lambda: SQLiteVault(path=path),
        "redis": redis_vault,
    }
    if backend not in factories:
        raise ConfigError(f"unknown vault backend {backend!r}; known: auto, {', '.join(sorted(factories))}")
    where = redis_url if backend == "redis" else str(path or data_dir() / "vault.sqlite")
    key = (backend, where)
    with _open_lock:
        if key not in _open:
            _open[key] = factories[backend]()
        return _open[key]
