"""SQLite backend: the embedded default, one file under the data dir, survives restarts.

The file is opened in WAL mode. On open it must pass ``PRAGMA quick_check``
and carry our schema marker; a file that fails (truncated, overwritten,
another program's database) is moved aside as ``<name>.corrupt-<time>`` and a
fresh cache is built, with one warning. A row whose payload fails its
checksum is deleted and treated as a miss: corrupt data is never served.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from ragfort.cache.entry import CacheEntry, CorruptEntry

__all__ = ["SQLiteBackend"]

log = logging.getLogger("ragfort.cache")

SCHEMA = "ragfort-cache-1"
# Touching last_used on every hit would turn reads into writes; once a minute is enough for LRU.
_TOUCH_EVERY_S = 60.0

_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, ns TEXT NOT NULL, payload BLOB NOT NULL,"
    " stale_until REAL NOT NULL, last_used REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_lru ON entries (last_used)",
    "CREATE TABLE IF NOT EXISTS anchors (anchor TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (anchor, key))",
    "CREATE INDEX IF NOT EXISTS anchors_key ON anchors (key)",
    "CREATE TABLE IF NOT EXISTS deps (dep TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (dep, key))",
    "CREATE INDEX IF NOT EXISTS deps_key ON deps (key)",
)


class SQLiteBackend:
    """Entries in one SQLite file.

    Args:
        path: the database file (its folder is created).
        max_entries: the size bound; least recently used entries are evicted.
    """

    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries!r}")
        self.path = Path(path)
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self.rebuilt = False
        self._con = self._open()

    # -- opening and repair --------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    def _check(self, con: sqlite3.Connection) -> None:
        row = con.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"quick_check failed: {row!r}")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return  # a new, empty file
        if "meta" not in tables:
            raise sqlite3.DatabaseError("not a ragfort cache (no meta table)")
        marker = con.execute("SELECT v FROM meta WHERE k = 'schema'").fetchone()
        if marker is None or marker[0] != SCHEMA:
            raise sqlite3.DatabaseError(f"unknown cache schema {marker!r}")

    def _open(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = None
        try:
            con = self._connect()
            self._check(con)
        except sqlite3.DatabaseError as exc:
            if con is not None:
                con.close()
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            log.warning("cache file %s is corrupt (%s); moved to %s and rebuilt", self.path, exc, aside.name)
            for suffix in ("", "-wal", "-shm"):
                src = Path(f"{self.path}{suffix}")
                if src.exists():
                    os.replace(src, Path(f"{aside}{suffix}"))
            self.rebuilt = True
            con = self._connect()
        for ddl in _DDL:
            con.execute(ddl)
        con.execute("INSERT OR IGNORE INTO meta (k, v) VALUES ('schema', ?)", (SCHEMA,))
        return con

    # -- the protocol ----------------------------------------------------------------
    def get(self, key: str) -> CacheEntry | None:
        now = time.time()
        with self._lock:
            try:
                row = self._con.execute(
                    "SELECT payload, stale_until, last_used FROM entries WHERE key = ?", (key,)
                ).fetchone()
                if row is None:
                    return None
                if row[1] <= now:
                    self._delete([key])
                    return None
                entry = self._decode(key, row[0])
                if entry is not None and now - row[2] > _TOUCH_EVERY_S:
                    self._con.execute("UPDATE entries SET last_used = ? WHERE key = ?", (now, key))
                return entry
            except sqlite3.DatabaseError as exc:
                self._fault(exc)
                return None

    def put(self, entry: CacheEntry) -> None:
        now = time.time()
        with self._lock:
            try:
                self._con.execute("BEGIN IMMEDIATE")
                self._delete([entry.key])
                self._con.execute(
                    "INSERT INTO entries (key, ns, payload, stale_until, last_used) VALUES (?, ?, ?, ?, ?)",
                    (entry.key, entry.namespace, entry.to_bytes(), entry.stale_until, now),
                )
                self._con.executemany(
                    "INSERT OR IGNORE INTO anchors (anchor, key) VALUES (?, ?)", [(a, entry.key) for a in entry.anchors]
                )
                self._con.executemany(
                    "INSERT OR IGNORE INTO deps (dep, key) VALUES (?, ?)", [(d, entry.key) for d in entry.deps]
                )
                (count,) = self._con.execute("SELECT COUNT(*) FROM entries").fetchone()
                if count > self.max_entries:
                    # Evict in batches (a tenth of the bound) so a full cache does not evict on every put.
                    n = count - self.max_entries + max(1, self.max_entries // 10)
                    old = [r[0] for r in self._con.execute(
                        "SELECT key FROM entries ORDER BY last_used LIMIT ?", (n,)
                    )]  # fmt: skip
                    self._delete(old)
                self._con.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                self._fault(exc)

    def candidates(self, namespace: str, anchors: Sequence[str], *, limit: int) -> list[CacheEntry]:
        if not anchors:
            return []
        marks = ",".join("?" * len(anchors))
        with self._lock:
            try:
                rows = self._con.execute(
                    f"SELECT DISTINCT e.key, e.payload FROM anchors a JOIN entries e ON e.key = a.key "
                    f"WHERE a.anchor IN ({marks}) AND e.ns = ? AND e.stale_until > ? LIMIT ?",
                    (*anchors, namespace, time.time(), limit),
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                self._fault(exc)
                return []
            out = []
            for key, payload in rows:
                entry = self._decode(key, payload)
                if entry is not None:
                    out.append(entry)
            return out

    def delete(self, key: str) -> None:
        with self._lock:
            try:
                self._delete([key])
            except sqlite3.DatabaseError as exc:
                self._fault(exc)

    def drop_documents(self, deps: Iterable[str]) -> int:
        deps = list(deps)
        if not deps:
            return 0
        marks = ",".join("?" * len(deps))
        with self._lock:
            try:
                keys = [r[0] for r in self._con.execute(
                    f"SELECT DISTINCT key FROM deps WHERE dep IN ({marks})", deps
                )]  # fmt: skip
                self._delete(keys)
                return len(keys)
            except sqlite3.DatabaseError as exc:
                self._fault(exc)
                return 0

    def clear(self) -> None:
        with self._lock:
            for table in ("entries", "anchors", "deps"):
                self._con.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._con.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    # -- helpers (called with the lock held) --------------------------------------------
    def _decode(self, key: str, payload: bytes) -> CacheEntry | None:
        try:
            entry = CacheEntry.from_bytes(bytes(payload))
        except CorruptEntry as exc:
            log.warning("dropping a corrupt cache entry (%s)", exc)
            self._delete([key])
            return None
        return entry if entry.key == key else None

    def _delete(self, keys: Sequence[str]) -> None:
        for table in ("entries", "anchors", "deps"):
            self._con.executemany(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in keys])

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._con.execute("ROLLBACK")

    def _fault(self, exc: sqlite3.DatabaseError) -> None:
        # The file went bad while open (overwritten, disk error): rebuild rather than serve from it.
        log.warning("cache file %s failed (%s); rebuilding it", self.path, exc)
        with contextlib.suppress(sqlite3.Error):
            self._con.close()
        self._con = self._open()
