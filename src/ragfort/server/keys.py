"""API keys: created once, stored only as hashes, mapped to tenants.

A key looks like ``rfk_<id>_<secret>``: the id (public, 12 hex characters)
finds the row, the SHA-256 of the whole key is compared with
`hmac.compare_digest`, so a lookup never reveals how much of a guess was
right. SHA-256 without a slow KDF is enough here because the secret is 32
random bytes, not a password a person chose. Keys live in
``<data_dir>/keys.sqlite``.

Verified keys are remembered for a few seconds (by hash, in memory) so the
hot path does not open SQLite on every request; a revoked key stops working
within that window.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ragfort.errors import InputError
from ragfort.server.settings import check_tenant

__all__ = ["ApiKey", "KeyStore", "key_digest"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    hash TEXT NOT NULL,
    created REAL NOT NULL,
    revoked REAL
)
"""


def key_digest(key: str) -> str:
    """The SHA-256 hex digest a key is stored and remembered by (also the rate-limit bucket's id)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()



@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key, without its secret.

    Attributes:
        id: the public key id (the part after ``rfk_``).
        tenant: the tenant the key acts for.
        created: creation time (Unix seconds).
        revoked: revocation time, None while the key is valid.
    """

    id: str
    tenant: str
    created: float
    revoked: float | None = None


class KeyStore:
    """The key table in ``keys.sqlite``.

    Args:
        path: the SQLite file (created with 0600 permissions).
        remember_s: how long a verified key is trusted without asking SQLite again.
    """

    def __init__(self, path: str | os.PathLike[str], *, remember_s: float = 10.0) -> None:
        self.path = Path(path)
        self.remember_s = remember_s
        self._lock = threading.Lock()
        self._verified: dict[str, tuple[str, float]] = {}

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = not self.path.exists()
        conn = sqlite3.connect(self.path, timeout=10.0)
        if fresh:
            os.chmod(self.path, 0o600)
        conn.execute(_SCHEMA)
        return conn

    def create(self, tenant: str) -> str:
        """Create a key for `tenant` and return it; only its hash is stored.

        Raises:
            InputError: the tenant name is not valid.
        """
        try:
            check_tenant(tenant)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        key_id = secrets.token_hex(6)
        key = f"rfk_{key_id}_{secrets.token_urlsafe(32)}"
        conn = self._connect()
        try:
            with conn:
                conn.execute(
                    "INSERT INTO api_keys (id, tenant, hash, created) VALUES (?, ?, ?, ?)",
                    (key_id, tenant, key_digest(key), time.time()),
                )
        finally:
            conn.close()
        return key

    def revoke(self, key_id: str) -> bool:
        """Revoke the key with id `key_id`; False when there is none."""
        conn = self._connect()
        try:
            with conn:
                cur = conn.execute(
                    "UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL", (time.time(), key_id)
                )
        finally:
            conn.close()
        with self._lock:
            self._verified.clear()
        return cur.rowcount > 0

    def list(self) -> list[ApiKey]:
        """Every key, oldest first (ids and tenants only)."""
        if not self.path.exists():
            return []
        conn = self._connect()
        try:
            rows = conn.execute("SELECT id, tenant, created, revoked FROM api_keys ORDER BY created").fetchall()
        finally:
            conn.close()
        return [ApiKey(id=r[0], tenant=r[1], created=r[2], revoked=r[3]) for r in rows]

    def any_keys(self) -> bool:
        """True when at least one valid key exists."""
        return any(k.revoked is None for k in self.list())

    def remembered(self, key: str, *, digest: str | None = None) -> str | None:
        """The tenant of `key` if it was verified recently (memory only, no I/O); None means "ask `tenant_of`".

        `digest` is `key_digest(key)` when the caller has it already.
        """
        if len(key) > 200:
            return None
        with self._lock:
            hit = self._verified.get(digest or key_digest(key))
        if hit is not None and time.monotonic() - hit[1] < self.remember_s:
            return hit[0]
        return None

    def tenant_of(self, key: str, *, digest: str | None = None) -> str | None:
        """The tenant of a valid `key`, or None for a wrong, malformed or revoked one (`digest` as in `remembered`)."""
        parts = key.split("_")
        if len(parts) < 3 or parts[0] != "rfk" or len(key) > 200:
            return None
        digest = digest or key_digest(key)
        now = time.monotonic()
        with self._lock:
            hit = self._verified.get(digest)
            if hit is not None and now - hit[1] < self.remember_s:
                return hit[0]
        if not self.path.exists():
            return None
        conn = self._connect()
        try:
            row = conn.execute(
                "SELECT tenant, hash FROM api_keys WHERE id = ? AND revoked IS NULL", (parts[1],)
            ).fetchone()
        finally:
            conn.close()
        if row is None or not hmac.compare_digest(row[1], digest):
            return None
        tenant = str(row[0])
        with self._lock:
            if len(self._verified) > 10_000:  # bounded: stale entries are simply re-verified
                self._verified.clear()
            self._verified[digest] = (tenant, now)
        return tenant
