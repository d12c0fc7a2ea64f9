"""The vault: placeholder → value mappings per tenant and session, encrypted, with a TTL.

Storage keys are ``(tenant, session, placeholder)``. Values are sealed with
AES-GCM whose associated data is that same triple, so a ciphertext copied to
another tenant's or session's row fails to decrypt instead of leaking. The
tenant and session are not stored in clear either: rows are filed under an
HMAC of the pair ("scope"), so the file does not list who talked to support.

The key comes from ``RAGFORT_VAULT_KEY`` (URL-safe base64 of 32 bytes, the
format `Fernet.generate_key()` prints) or, failing that, from ``vault.key`` in
the data dir, created on first use with mode 0600. Sub-keys for encryption,
scopes, per-tenant hash salts and corpus placeholders are derived from it with
HKDF, so one secret serves all and none can be computed from another.

Backends implement the small `Vault` protocol: `MemoryVault` (one process)
and `SQLiteVault` (``data_dir()/vault.sqlite``); a Redis backend only needs
`load`, `save` and `purge` over the same sealed records.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ragfort.errors import ConfigError
from ragfort.paths import data_dir
from ragfort.paths import redis_url as shared_redis_url

__all__ = ["KEY_ENV", "MemoryVault", "SQLiteVault", "Vault", "VaultKeys", "VaultRecord", "open_vault"]

KEY_ENV = "RAGFORT_VAULT_KEY"
_SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class VaultRecord:
    """One mapping: a placeholder, the entity type it stands for, and the original value.

    `from_customer` is True when the customer typed the value (only those are
    restored for the owner; values found in passages or answers are not theirs).
    """

    placeholder: str
    entity: str
    value: str
    from_customer: bool = False


class VaultKeys:
    """The vault secret and the sub-keys derived from it.

    Args:
        secret: 32 random bytes.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ConfigError(f"vault key must be 32 bytes, got {len(secret)}")
        self._aead = AESGCM(self._derive(secret, b"ragfort vault encryption"))
        self._scope_key = self._derive(secret, b"ragfort vault scope")
        self._salt_key = self._derive(secret, b"ragfort tenant hash salt")
        self._corpus_key = self._derive(secret, b"ragfort corpus placeholders")

    @staticmethod
    def _derive(secret: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)

    @classmethod
    def load(cls, *, path: Path | None = None) -> VaultKeys:
        """Keys from ``$RAGFORT_VAULT_KEY``, else from the key file (created 0600 if absent).

        Args:
            path: the key file; default ``data_dir()/vault.key``.
        """
        env = os.environ.get(KEY_ENV)
        if env:
            return cls(_decode_key(env, source=f"${KEY_ENV}"))
        path = path or data_dir() / "vault.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                # O_EXCL: two processes starting together must not both write a key.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as f:
                    f.write(base64.urlsafe_b64encode(os.urandom(32)))
        return cls(_decode_key(path.read_text().strip(), source=str(path)))

    def scope(self, tenant: str, session: str) -> str:
        """The opaque row key for a tenant's session."""
        return hmac.new(self._scope_key, f"{tenant}{_SEP}{session}".encode(), hashlib.sha256).hexdigest()

    def tenant_salt(self, tenant: str) -> bytes:
        """The salt the ``hash`` operator uses for `tenant`."""
        return hmac.new(self._salt_key, tenant.encode(), hashlib.sha256).digest()

    def corpus_tag(self, namespace: str, value: str, *, length: int = 8) -> str:
        """A keyed hex tag for a corpus value (see `ragfort.pii.pseudonym`)."""
        digest = hmac.new(self._corpus_key, f"{namespace}{_SEP}{value}".encode(), hashlib.sha256).hexdigest()
        return digest[:length]

    def seal(self, tenant: str, session: str, record: VaultRecord) -> bytes:
        """Encrypt `record.value`, bound to its tenant, session and placeholder."""
        nonce = os.urandom(12)
        aad = f"{tenant}{_SEP}{session}{_SEP}{record.placeholder}".encode()
        return nonce + self._aead.encrypt(
            nonce, f"{record.entity}{_SEP}{int(record.from_customer)}{_SEP}{record.value}".encode(), aad
        )

    def seal_text(self, tenant: str, session: str, label: str, text: str) -> bytes:
        """Encrypt any text bound to its tenant, session and `label` (a conversation's stored messages)."""
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, text.encode(), f"{tenant}{_SEP}{session}{_SEP}{label}".encode())

    def open_text(self, tenant: str, session: str, label: str, blob: bytes) -> str | None:
        """Decrypt `seal_text`'s output; None if it was not sealed for this tenant, session and label."""
        try:
            return self._aead.decrypt(blob[:12], blob[12:], f"{tenant}{_SEP}{session}{_SEP}{label}".encode()).decode()
        except (InvalidTag, ValueError):
            return None

    def open(self, tenant: str, session: str, placeholder: str, blob: bytes) -> VaultRecord | None:
        """Decrypt a sealed record; None if it was not sealed for this tenant, session and placeholder."""
        aad = f"{tenant}{_SEP}{session}{_SEP}{placeholder}".encode()
        try:
            plain = self._aead.decrypt(blob[:12], blob[12:], aad).decode()
        except (InvalidTag, ValueError):
            return None
        entity, _, rest = plain.partition(_SEP)
        owned, _, value = rest.partition(_SEP)
        return VaultRecord(placeholder=placeholder, entity=entity, value=value, from_customer=owned == "1")


def _decode_key(text: str, *, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"vault key from {source} is not URL-safe base64: {exc}") from exc
    if len(key) != 32:
        raise ConfigError(f"vault key from {source} must decode to 32 bytes, got {len(key)}")
    return key


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
