"""The SQLite backend: survives reopening, rebuilds a corrupt file, never serves a corrupt row."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from tests.cache.conftest import make_entry

from ragfort.cache import SQLiteBackend


def test_entries_survive_a_restart(tmp_path: Path) -> None:
    b = SQLiteBackend(tmp_path / "cache.sqlite")
    b.put(make_entry("k1"))
    b.close()
    again = SQLiteBackend(tmp_path / "cache.sqlite")
    got = again.get("k1")
    assert got is not None and got.answer.startswith("Devices")
    assert got.features == make_entry().features


def test_a_corrupt_file_is_detected_moved_aside_and_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "cache.sqlite"
    b = SQLiteBackend(path)
    b.put(make_entry("k1"))
    b.close()
    data = bytearray(path.read_bytes())
    data[:100] = b"\xff" * 100  # destroy the header
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="ragfort.cache"):
        rebuilt = SQLiteBackend(path)
    assert rebuilt.rebuilt
    assert rebuilt.get("k1") is None
    assert any("corrupt" in r.getMessage() for r in caplog.records)
    assert list(tmp_path.glob("cache.sqlite.corrupt-*"))
    rebuilt.put(make_entry("k2"))
    assert rebuilt.get("k2") is not None


def test_another_programs_database_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE entries (x)")
    b = SQLiteBackend(path)
    assert b.rebuilt
    b.put(make_entry("k1"))
    assert b.get("k1") is not None


def test_a_tampered_row_is_never_served(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    b = SQLiteBackend(path)
    b.put(make_entry("k1"))
    with sqlite3.connect(path) as con:
        payload = con.execute("SELECT payload FROM entries WHERE key = 'k1'").fetchone()[0]
        con.execute("UPDATE entries SET payload = ? WHERE key = 'k1'", (payload.replace(b"14 days", b"99 days"),))
    assert b.get("k1") is None
    assert len(b) == 0


def test_size_bound_evicts_least_recently_used(tmp_path: Path) -> None:
    b = SQLiteBackend(tmp_path / "cache.sqlite", max_entries=5)
    for i in range(12):
        b.put(make_entry(f"k{i}"))
    assert len(b) <= 5
    assert b.get("k11") is not None
    assert b.get("k0") is None


def test_candidates_and_dependencies(tmp_path: Path) -> None:
    b = SQLiteBackend(tmp_path / "cache.sqlite")
    b.put(make_entry("k1", anchors=("x",), deps=("d1",)))
    b.put(make_entry("k2", anchors=("x",), deps=("d2",), ns="other"))
    assert [e.key for e in b.candidates("ns", ["x", "z"], limit=10)] == ["k1"]
    assert b.drop_documents(["d1"]) == 1
    assert b.candidates("ns", ["x"], limit=10) == []
