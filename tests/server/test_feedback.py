"""The feedback table on a real SQLite file: its exact schema, one rating per answer, per-tenant reads."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from ragfort.server.feedback import FeedbackRow, FeedbackStore


def test_the_table_is_exactly_the_one_the_eval_harness_reads(tmp_path: Path) -> None:
    path = tmp_path / "state" / "feedback.sqlite"
    FeedbackStore(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as con:
        info = con.execute("PRAGMA table_info(feedback)").fetchall()
    columns = [(name, kind, bool(notnull)) for _, name, kind, notnull, _, _ in info]
    assert columns == [
        ("id", "INTEGER", False), ("trace_id", "TEXT", True), ("tenant", "TEXT", True), ("variant", "TEXT", False),
        ("rating", "INTEGER", True), ("comment", "TEXT", False), ("created", "REAL", True),
    ]  # fmt: skip


def test_ratings_are_stored_and_read_back_oldest_first(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    first = store.add(trace_id="t1", tenant="acme", variant="a", rating=1, comment="clear answer")
    second = store.add(trace_id="t2", tenant="acme", variant=None, rating=-1, comment=None)
    rows = store.rows()
    assert [r.id for r in rows] == [first, second]
    assert rows[0] == FeedbackRow(first, "t1", "acme", "a", 1, "clear answer", rows[0].created)
    assert (rows[1].variant, rows[1].rating, rows[1].comment) == (None, -1, None)
    assert rows[0].created <= rows[1].created


def test_a_second_rating_for_the_same_answer_replaces_the_first(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    store.add(trace_id="t1", tenant="acme", variant="a", rating=1, comment=None)
    store.add(trace_id="t1", tenant="acme", variant="a", rating=-1, comment="changed my mind")
    assert [(r.trace_id, r.rating, r.comment) for r in store.rows()] == [("t1", -1, "changed my mind")]
    # Reopened (another worker, a restart): the same single row.
    assert [r.rating for r in FeedbackStore(tmp_path / "feedback.sqlite").rows()] == [-1]


def test_tenants_are_kept_apart(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    store.add(trace_id="same-id", tenant="acme", variant=None, rating=1, comment=None)
    store.add(trace_id="same-id", tenant="globex", variant=None, rating=-1, comment=None)  # replaces nothing of acme's
    assert [(r.tenant, r.rating) for r in store.rows(tenant="acme")] == [("acme", 1)]
    assert [(r.tenant, r.rating) for r in store.rows(tenant="globex")] == [("globex", -1)]
    assert store.rows(tenant="initech") == []
    assert len(store.rows()) == 2


@pytest.mark.parametrize("rating", [0, 2, -2, 5])
def test_a_rating_is_thumbs_up_or_down(tmp_path: Path, rating: int) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    with pytest.raises(ValueError, match="rating must be 1 or -1"):
        store.add(trace_id="t1", tenant="acme", variant=None, rating=rating, comment=None)
    assert store.rows() == []
