"""The in-memory backend: LRU bound, grace expiry, anchors, dependencies."""

from __future__ import annotations

from tests.cache.conftest import make_entry

from ragfort.cache import MemoryBackend


def test_least_recently_used_entry_is_evicted_over_the_bound() -> None:
    b = MemoryBackend(max_entries=2)
    b.put(make_entry("k1"))
    b.put(make_entry("k2"))
    assert b.get("k1") is not None  # k1 is now the most recent
    b.put(make_entry("k3"))
    assert b.get("k2") is None
    assert b.get("k1") is not None and b.get("k3") is not None


def test_entries_past_their_grace_are_gone() -> None:
    b = MemoryBackend()
    b.put(make_entry("k1", fresh_s=-2.0, stale_s=1.0))
    assert b.get("k1") is None


def test_candidates_share_an_anchor_and_the_namespace() -> None:
    b = MemoryBackend()
    b.put(make_entry("k1", anchors=("x",)))
    b.put(make_entry("k2", anchors=("y",)))
    b.put(make_entry("k3", ns="other", anchors=("x",)))
    assert [e.key for e in b.candidates("ns", ["x"], limit=10)] == ["k1"]


def test_dropping_a_document_drops_what_depended_on_it() -> None:
    b = MemoryBackend()
    b.put(make_entry("k1", deps=("d1",)))
    b.put(make_entry("k2", deps=("d2",)))
    assert b.drop_documents(["d1"]) == 1
    assert b.get("k1") is None and b.get("k2") is not None
