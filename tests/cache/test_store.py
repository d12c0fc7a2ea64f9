"""`AnswerCache` over real backends: TTLs, the semantic match's vetoes, and document versions (entries record what
their answer came from, and no lookup returns one whose documents changed)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from ragfort.cache import (
    AnswerCache,
    CacheEntry,
    CacheSettings,
    MemoryBackend,
    QuestionFeatures,
    SemanticSettings,
    SQLiteBackend,
    question_features,
)
from ragfort.cache.backends.base import CacheBackend
from ragfort.cache.entry import CorruptEntry
from ragfort.cache.store import DocumentVersions, dependency, document_version

from .conftest import make_entry

BEFORE = {"returns.md": "aaa:private", "shipping.md": "bbb:public"}
RULES_ONLY = SemanticSettings(equivalence_judge=False)


def _entry(key: str, versions: DocumentVersions, *docs: str, fresh_s: float = 60.0) -> CacheEntry:
    return make_entry(key, fresh_s=fresh_s, deps=tuple(sorted(dependency(d) for d in docs)), versions=versions.of(docs))


def test_versions_round_trip_through_the_wire_format() -> None:
    versions = DocumentVersions(BEFORE)
    entry = _entry("wire-1", versions, "returns.md")
    assert entry.versions and CacheEntry.from_bytes(entry.to_bytes()).versions == entry.versions


def test_an_entry_written_without_versions_is_a_miss(tmp_path: Path) -> None:
    body = json.loads(make_entry("old-1").to_bytes().decode().partition("\n")[2])
    del body["versions"]  # as an older ragfort wrote it
    text = json.dumps(body, separators=(",", ":"), sort_keys=True)
    payload = f"{hashlib.sha256(text.encode()).hexdigest()}\n{text}".encode()
    with pytest.raises(CorruptEntry):
        CacheEntry.from_bytes(payload)
    path = tmp_path / "cache.sqlite"
    backend = SQLiteBackend(path)
    backend.put(make_entry("old-1"))
    with sqlite3.connect(path) as con:  # the row as the older version left it
        con.execute("UPDATE entries SET payload = ? WHERE key = 'old-1'", (payload,))
    assert AnswerCache(backend).exact("old-1", "ns") is None
    assert len(backend) == 0  # dropped, never served


def test_an_exact_hit_needs_every_document_it_came_from_unchanged(backend: CacheBackend) -> None:
    cache = AnswerCache(backend, semantic=RULES_ONLY)
    before = DocumentVersions(BEFORE)
    cache.put(_entry("k-returns", before, "returns.md"))
    cache.put(_entry("k-both", before, "returns.md", "shipping.md"))
    assert cache.exact("k-returns", "ns", current=before) is not None

    added = DocumentVersions({**BEFORE, "warranty.md": "ccc:private"})
    assert cache.exact("k-returns", "ns", current=added) is not None  # an added document outdates nothing
    changed = DocumentVersions({**BEFORE, "shipping.md": "bbb2:public"})
    assert cache.exact("k-returns", "ns", current=changed) is not None
    assert cache.exact("k-both", "ns", current=changed) is None
    assert backend.get("k-both") is None  # the outdated entry is deleted, not just skipped
    republished = DocumentVersions({**BEFORE, "returns.md": "aaa:public"})  # same file, now indexed unredacted
    assert cache.exact("k-returns", "ns", current=republished) is None
    # A chain whose index keeps no versions checks none, as before.
    cache.put(_entry("k-plain", before, "returns.md"))
    assert cache.exact("k-plain", "ns") is not None


def test_a_semantic_match_fresh_or_stale_needs_its_documents_unchanged(backend: CacheBackend) -> None:
    cache = AnswerCache(backend, semantic=RULES_ONLY)
    before = DocumentVersions(BEFORE)
    cache.put(_entry("fresh", before, "returns.md"))
    cache.put(_entry("stale", before, "returns.md", fresh_s=-1.0))
    probe = make_entry("probe")
    assert probe.vector is not None and probe.features is not None
    vector, features = np.asarray(probe.vector), probe.features

    fresh, stale = cache.semantic("ns", vector, features, ["a1"], current=before)
    assert fresh is not None and fresh.entry.key == "fresh"
    assert stale is not None and stale.entry.key == "stale"
    removed = DocumentVersions({"shipping.md": BEFORE["shipping.md"]})
    assert cache.semantic("ns", vector, features, ["a1"], current=removed) == (None, None)
    assert backend.get("fresh") is None and backend.get("stale") is None


def test_a_document_the_index_does_not_list_ties_the_answer_to_the_whole_corpus() -> None:
    before = DocumentVersions(BEFORE)
    entry = _entry("renamed", before, "returns.md#2")  # a chain that renamed the passage's document
    assert before.admits(entry)
    assert DocumentVersions(dict(BEFORE)).admits(entry)  # the same corpus, read again
    assert not DocumentVersions({**BEFORE, "warranty.md": "ccc:private"}).admits(entry)  # any change at all


def test_an_entry_that_names_documents_but_no_versions_is_not_admitted() -> None:
    entry = make_entry("unchecked", deps=(dependency("returns.md"),), versions=())
    assert not DocumentVersions(BEFORE).admits(entry)
    assert DocumentVersions(BEFORE).admits(make_entry("no-sources", deps=(), versions=()))


# -- the cache itself ------------------------------------------------------------------------------------------
def _probe(entry: CacheEntry) -> tuple[np.ndarray, QuestionFeatures]:
    assert entry.vector is not None and entry.features is not None
    return np.asarray(entry.vector), entry.features


def test_ttl_and_grace_are_checked_and_stamp_new_entries() -> None:
    with pytest.raises(ValueError, match="ttl_s"):
        AnswerCache(MemoryBackend(), ttl_s=0, semantic=RULES_ONLY)
    with pytest.raises(ValueError, match="stale_grace_s"):
        AnswerCache(MemoryBackend(), stale_grace_s=-1, semantic=RULES_ONLY)
    settings = CacheSettings(backend="memory", ttl_s=60, stale_grace_s=600, semantic=RULES_ONLY)
    cache = AnswerCache.from_settings(settings, MemoryBackend())
    created, fresh_until, stale_until = cache.stamps()
    assert (fresh_until - created, stale_until - created) == (60, 660)
    assert not cache.keeps_questions and cache.gate is None and cache.gate_version == ""
    with pytest.raises(ValueError, match="keeps no questions"):
        cache.seal_question("ns", "How long do refunds take?")


def test_an_exact_match_is_scoped_to_its_namespace_and_says_whether_it_is_fresh(backend: CacheBackend) -> None:
    cache = AnswerCache(backend, semantic=RULES_ONLY)
    cache.put(make_entry("k-fresh"))
    cache.put(make_entry("k-stale", fresh_s=-1.0))
    fresh, stale = cache.exact("k-fresh", "ns"), cache.exact("k-stale", "ns")
    assert fresh is not None and fresh.fresh and fresh.similarity == 1.0
    assert stale is not None and not stale.fresh
    assert cache.exact("k-fresh", "other-ns") is None
    assert cache.exact("k-missing", "ns") is None


def test_a_semantic_match_needs_similar_vectors_agreeing_retrievals_and_the_same_meaning(backend: CacheBackend) -> None:
    cache = AnswerCache(backend, semantic=RULES_ONLY)
    cache.put(make_entry("stored", anchors=("a1", "a2", "a3")))
    vector, features = _probe(make_entry("probe"))
    fresh, stale = cache.semantic("ns", vector, features, ["a2", "a1"])  # its top anchor is among ours
    assert fresh is not None and fresh.entry.key == "stored" and fresh.similarity == pytest.approx(1.0)
    assert stale is None
    assert cache.semantic("ns", vector, features, ["zz", "a3"]) == (None, None)  # the top chunks disagree
    assert cache.semantic("other-ns", vector, features, ["a1"]) == (None, None)
    unlike = np.array([1.0, -1.0, 1.0, -1.0], dtype=np.float32)  # orthogonal to the stored vector
    assert cache.semantic("ns", unlike, features, ["a1"]) == (None, None)
    near_miss = question_features("Can I return a device after 30 days?")  # a number the stored question lacks
    assert cache.semantic("ns", vector, near_miss, ["a1"]) == (None, None)
    assert cache.semantic("ns", vector, features, []) == (None, None)


def test_the_semantic_half_can_be_turned_off() -> None:
    cache = AnswerCache(MemoryBackend(), semantic=SemanticSettings(enabled=False))
    cache.put(make_entry("stored"))
    vector, features = _probe(make_entry("probe"))
    assert cache.semantic("ns", vector, features, ["a1"]) == (None, None)
    assert cache.exact("stored", "ns") is not None


def test_invalidating_a_document_drops_every_answer_that_depends_on_it(backend: CacheBackend) -> None:
    cache = AnswerCache(backend, semantic=RULES_ONLY)
    cache.put(make_entry("k1", deps=(dependency("returns.md"),)))
    cache.put(make_entry("k2", ns="tenant-b", deps=(dependency("returns.md"), dependency("shipping.md"))))
    cache.put(make_entry("k3", deps=(dependency("shipping.md"),)))
    assert cache.invalidate_documents(["returns.md"]) == 2  # in every namespace
    assert [k for k in ("k1", "k2", "k3") if backend.get(k) is not None] == ["k3"]
    cache.clear()
    assert backend.get("k3") is None


def test_hashed_dependencies_and_versions_hold_no_document_id() -> None:
    assert dependency("returns.md") == dependency("returns.md") != dependency("shipping.md")
    assert document_version("returns.md", "aaa") != document_version("returns.md", "bbb")
    assert "returns" not in dependency("returns.md") + document_version("returns.md", "aaa")
