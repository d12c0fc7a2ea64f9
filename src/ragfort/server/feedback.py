"""Feedback storage: ``<data_dir>/feedback.sqlite``, one table the eval harness reads.

The table is exactly::

    feedback(id INTEGER PRIMARY KEY, trace_id TEXT NOT NULL, tenant TEXT NOT NULL,
             variant TEXT, rating INTEGER NOT NULL, comment TEXT, created REAL NOT NULL)

Comments arrive here already redacted (`ragfort.server.redact`). One answer
has one rating: a second feedback for the same trace replaces the first (a
customer who changes thumbs up to thumbs down changed their mind; counting
both would weigh that answer twice).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FEEDBACK_SCHEMA", "FeedbackRow", "FeedbackStore"]

FEEDBACK_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS feedback(id INTEGER PRIMARY KEY, trace_id TEXT NOT NULL, tenant TEXT NOT NULL, "
    "variant TEXT, rating INTEGER NOT NULL, comment TEXT, created REAL NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    """One stored rating."""

    id: int
    trace_id: str
    tenant: str
    variant: str | None
    rating: int
    comment: str | None
    created: float


class FeedbackStore:
    """The feedback table.

    Args:
        path: the SQLite file (created with 0600 permissions).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = not self.path.exists()
        conn = self._connect()
        conn.close()
        if fresh:
            os.chmod(self.path, 0o600)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10.0)
        conn.execute(FEEDBACK_SCHEMA)
        return conn

    def add(self, *, trace_id: str, tenant: str, variant: str | None, rating: int, comment: str | None) -> int:
        """Store a rating (replacing an earlier one for the same trace); returns its row id."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be 1 or -1, got {rating!r}")
        with self._lock:
            conn = self._connect()
            try:
                with conn:
                    conn.execute("DELETE FROM feedback WHERE trace_id = ? AND tenant = ?", (trace_id, tenant))
                    cur = conn.execute(
                        "INSERT INTO feedback (trace_id, tenant, variant, rating, comment, created) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (trace_id, tenant, variant, rating, comment, time.time()),
                    )
                return int(cur.lastrowid or 0)
            finally:
                conn.close()

    def rows(self, *, tenant: str | None = None) -> list[FeedbackRow]:
        """Stored ratings, oldest first; only `tenant`'s when given."""
        conn = self._connect()
        try:
            sql = "SELECT id, trace_id, tenant, variant, rating, comment, created FROM feedback"
            params: tuple[str, ...] = ()
            if tenant is not None:
                sql += " WHERE tenant = ?"
                params = (tenant,)
            return [FeedbackRow(*row) for row in conn.execute(sql + " ORDER BY id", params).fetchall()]
        finally:
            conn.close()
