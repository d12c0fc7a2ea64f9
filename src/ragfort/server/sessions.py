"""Conversation history kept by the service, per tenant and session: redacted, sealed, expiring.

The API keeps each session's earlier messages so a customer's follow-up
("What about the charger?") is answered in context without the client
sending the conversation back. What is stored is what the guards saw: the
question after the input PII guard and the answer before the customer's own
values are put back, so a stored message holds placeholders, never the
values behind them. Each message is also sealed with the vault's AES-GCM key,
bound to the tenant and session, and filed under the vault's keyed scope
hash: the store lists neither who talked nor what was said, and a value a
detector missed is not readable at rest either.

Two limits keep it small: a turn limit (the newest ``max_turns`` exchanges
are kept; older ones are dropped as new ones arrive) and a TTL that restarts
with every new exchange (an idle session is forgotten). Keep the TTL no
longer than the PII vault's ``vault_ttl_s``: a placeholder in the history is
only consistent with the next question while the session's mapping lives.

Backends: `SQLiteHistory` (``data_dir/sessions.sqlite``, the default) and
`RedisHistory` (``RAGFORT_REDIS_URL``: one list per session, shared by
replicas). `erase` is the customer's right to erasure, used with the vault's
`purge` by ``DELETE /v1/sessions/{id}``.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ragfort.errors import BackendError, ConfigError
from ragfort.guards.pii import PIIGuard
from ragfort.pii.vault import VaultKeys
from ragfort.redis_client import connect
from ragfort.types import Action, GuardedAnswer, HistoryMessage, Stage, Status

__all__ = ["History", "RedisHistory", "SQLiteHistory", "keeps_exchange", "open_history"]

_LABEL = "conversation history"
_PREFIX = "ragfort:history:"
_EXPIRY = struct.Struct(">d")


@runtime_checkable
class History(Protocol):
    """Where a session's earlier messages live between requests."""

    ttl_s: float
    max_turns: int

    def load(self, tenant: str, session: str) -> list[HistoryMessage]:
        """The session's unexpired messages, oldest first (empty when there are none)."""
        ...

    def append(self, tenant: str, session: str, messages: Sequence[HistoryMessage]) -> None:
        """Add one exchange; restart the session's TTL and drop what exceeds the turn limit."""
        ...

    def erase(self, tenant: str, session: str) -> bool:
        """Forget the session; True when anything was stored."""
        ...


def keeps_exchange(result: GuardedAnswer, redacting: Collection[str] = (PIIGuard.name,)) -> bool:
    """Whether a conversation store may keep `result.exchange`.

    Only when the input PII guard (a guard named in `redacting`: the policy's
    `Policy.redacting_guards`) read the question and passed it (so the
    stored text holds placeholders, not values), and the request was not
    blocked: a refused prompt injection must not come back as context in the
    next turn's prompt. A policy with no PII guard keeps no history.
    """
    if result.status is Status.BLOCKED or not result.exchange:
        return False
    passed = (Action.ALLOW, Action.REWRITE)
    return any(
        v.guard in redacting and v.stage is Stage.INPUT and v.fault is None and v.action in passed
        for v in result.verdicts
    )


def _check_limits(ttl_s: float, max_turns: int) -> None:
    if not ttl_s > 0:
        raise ConfigError(f"history TTL must be positive seconds, got {ttl_s!r}")
    if max_turns < 1:
        raise ConfigError(f"history turn limit must be at least 1, got {max_turns!r}")


def _seal(keys: VaultKeys, tenant: str, session: str, message: HistoryMessage) -> bytes:
    text = json.dumps({"role": message.role, "content": message.content}, ensure_ascii=False)
    return keys.seal_text(tenant, session, _LABEL, text)


def _open(keys: VaultKeys, tenant: str, session: str, blob: bytes) -> HistoryMessage | None:
    text = keys.open_text(tenant, session, _LABEL, blob)
    if text is None:
        return None  # sealed for another tenant or session, or damaged: never shown
    data = json.loads(text)
    return HistoryMessage(role=str(data["role"]), content=str(data["content"]))


class SQLiteHistory:
    """Histories in a SQLite file.

    Args:
        path: the database file (``data_dir/sessions.sqlite`` in the service).
        keys: the vault keys (the same secret seals the vault and the histories).
        ttl_s: seconds an idle session is kept.
        max_turns: exchanges (a question and its answer) kept per session.
        clock: seconds since the epoch; injectable for TTL tests.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        keys: VaultKeys,
        ttl_s: float = 3600.0,
        max_turns: int = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_limits(ttl_s, max_turns)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.keys = keys
        self.ttl_s = ttl_s
        self.max_turns = max_turns
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS history (scope TEXT NOT NULL, seq INTEGER NOT NULL, "
            "sealed BLOB NOT NULL, expires REAL NOT NULL, PRIMARY KEY (scope, seq))"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS history_expires ON history (expires)")

    def load(self, tenant: str, session: str) -> list[HistoryMessage]:
        scope = self.keys.scope(tenant, session)
        with self._lock:
            self._db.execute("DELETE FROM history WHERE expires <= ?", (self._clock(),))
            rows = self._db.execute("SELECT sealed FROM history WHERE scope = ? ORDER BY seq", (scope,)).fetchall()
        return [m for (blob,) in rows if (m := _open(self.keys, tenant, session, blob)) is not None]

    def append(self, tenant: str, session: str, messages: Sequence[HistoryMessage]) -> None:
        if not messages:
            return
        scope = self.keys.scope(tenant, session)
        expires = self._clock() + self.ttl_s
        sealed = [_seal(self.keys, tenant, session, m) for m in messages]
        keep = 2 * self.max_turns
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                (last,) = self._db.execute(
                    "SELECT COALESCE(MAX(seq), 0) FROM history WHERE scope = ?", (scope,)
                ).fetchone()
                self._db.executemany(
                    "INSERT INTO history VALUES (?, ?, ?, ?)",
                    [(scope, last + 1 + i, blob, expires) for i, blob in enumerate(sealed)],
                )
                # The whole session lives as long as its newest exchange; the oldest messages go first.
                self._db.execute("UPDATE history SET expires = ? WHERE scope = ?", (expires, scope))
                self._db.execute(
                    "DELETE FROM history WHERE scope = ? AND seq <= ?", (scope, last + len(sealed) - keep)
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def erase(self, tenant: str, session: str) -> bool:
        with self._lock:
            cursor = self._db.execute("DELETE FROM history WHERE scope = ?", (self.keys.scope(tenant, session),))
        return cursor.rowcount > 0

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


class RedisHistory:
    """Histories in Redis, shared by replicas: one list per session, ``ragfort:history:<scope>``.

    Each element is an 8-byte expiry followed by the sealed message; the
    session lives until its newest element's expiry, and the list gets the
    same Redis TTL, so a forgotten session disappears without a sweeper.
    Every Redis failure raises `BackendError` (the API answers 503): a
    follow-up answered without its conversation would be answered wrongly.

    Args:
        url: a ``redis://`` (or ``rediss://``, ``unix://``) URL.
        keys: the vault keys (every replica needs the same ``RAGFORT_VAULT_KEY``).
        ttl_s: seconds an idle session is kept.
        max_turns: exchanges kept per session.
        timeout_s: socket connect/read timeout.
        clock: seconds since the epoch; injectable for TTL tests.
    """

    def __init__(
        self,
        url: str,
        *,
        keys: VaultKeys,
        ttl_s: float = 3600.0,
        max_turns: int = 10,
        timeout_s: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_limits(ttl_s, max_turns)
        self._client, self._errors = connect(url, purpose="the Redis conversation history", timeout_s=timeout_s)
        self.keys = keys
        self.ttl_s = ttl_s
        self.max_turns = max_turns
        self._clock = clock

    def _key(self, tenant: str, session: str) -> str:
        return _PREFIX + self.keys.scope(tenant, session)

    def _run(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self._errors as exc:
            # The message names the operation, never the tenant or session.
            raise BackendError(
                f"the conversation history on Redis is unreachable ({what}: {type(exc).__name__})"
            ) from exc

    def load(self, tenant: str, session: str) -> list[HistoryMessage]:
        items: list[bytes] = self._run("load", lambda: self._client.lrange(self._key(tenant, session), 0, -1))
        items = [item for item in items if len(item) > _EXPIRY.size]  # anything shorter is not ours
        # The session lives as long as its newest exchange (the key's Redis TTL says the same).
        if not items or _EXPIRY.unpack_from(items[-1])[0] <= self._clock():
            return []
        out = []
        for item in items:
            message = _open(self.keys, tenant, session, item[_EXPIRY.size :])
            if message is not None:
                out.append(message)
        return out

    def append(self, tenant: str, session: str, messages: Sequence[HistoryMessage]) -> None:
        if not messages:
            return
        key = self._key(tenant, session)
        stamp = _EXPIRY.pack(self._clock() + self.ttl_s)
        items = [stamp + _seal(self.keys, tenant, session, m) for m in messages]

        def write() -> None:
            # One transaction: the exchange, the trim and the expiry land together.
            pipe = self._client.pipeline(transaction=True)
            pipe.rpush(key, *items)
            pipe.ltrim(key, -2 * self.max_turns, -1)
            pipe.pexpire(key, max(1, int(self.ttl_s * 1000)))
            pipe.execute()

        self._run("append", write)

    def erase(self, tenant: str, session: str) -> bool:
        return bool(self._run("erase", lambda: self._client.delete(self._key(tenant, session))))

    def close(self) -> None:
        """Release the connection pool."""
        with contextlib.suppress(*self._errors):
            self._client.close()


def open_history(
    *, data_dir: Path, redis_url: str | None, ttl_s: float, max_turns: int, keys: VaultKeys | None = None
) -> History:
    """The service's history store: Redis when `redis_url` is set, else ``data_dir/sessions.sqlite``.

    Args:
        data_dir: the service's state folder (the vault key file lives there).
        redis_url: ``RAGFORT_REDIS_URL``, or None.
        ttl_s: seconds an idle session is kept.
        max_turns: exchanges kept per session.
        keys: the vault keys; default ``$RAGFORT_VAULT_KEY`` or ``data_dir/vault.key``.
    """
    keys = keys or VaultKeys.load(path=data_dir / "vault.key")
    if redis_url:
        return RedisHistory(redis_url, keys=keys, ttl_s=ttl_s, max_turns=max_turns)
    return SQLiteHistory(data_dir / "sessions.sqlite", keys=keys, ttl_s=ttl_s, max_turns=max_turns)
