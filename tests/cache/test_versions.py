"""Document versions: entries record what their answer came from, and no lookup returns one whose documents changed."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ragfort.cache import AnswerCache, CacheEntry, MemoryBackend, SemanticSettings, SQLiteBackend
from ragfort.cache.backends.base import CacheBackend
from ragfort.cache.entry import CorruptEntry
from ragfort.cache.store import DocumentVersions, dependency

from .conftest import RedisServer, make_entry

BEFORE = {"returns.md": "aaa:private", "shipping.md": "bbb:public"}
RULES_ONLY = SemanticSettings(equivalence_judge=False)


def _entry(key: str, versions: DocumentVersions, *docs: str, fresh_s: float = 60.0) -> CacheEntry:
    return make_entry(key, fresh_s=fresh_s, deps=tuple(sorted(dependency(d) for d in docs)), versions=versions.of(docs))


@pytest.fixture(params=["memory", "sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CacheBackend]:
    made: CacheBackend
    if request.param == "memory":
        made = MemoryBackend()
    elif request.param == "sqlite":
        made = SQLiteBackend(tmp_path / "cache.sqlite")
    else:
        from ragfort.cache.backends.redis import RedisBackend

        server: RedisServer = request.getfixturevalue("redis_server")
        made = RedisBackend(server.url)
    yield made
    made.close()


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
