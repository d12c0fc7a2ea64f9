"""The backend protocol: every shipped backend keeps its contract, and a third-party one needs only the protocol."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tests.cache.conftest import make_entry

from ragfort.cache import AnswerCache, CacheEntry, SemanticSettings
from ragfort.cache.backends.base import CacheBackend, DeletesEntries
from ragfort.cache.store import DocumentVersions, dependency


class DictBackend:
    """A third-party backend: the protocol's methods and nothing else (no `delete`)."""

    name = "dict"

    def __init__(self) -> None:
        self.entries: dict[str, CacheEntry] = {}

    def get(self, key: str) -> CacheEntry | None:
        return self.entries.get(key)

    def put(self, entry: CacheEntry) -> None:
        self.entries[entry.key] = entry

    def candidates(self, namespace: str, anchors: Sequence[str], *, limit: int) -> list[CacheEntry]:
        found = [e for e in self.entries.values() if e.namespace == namespace and set(e.anchors) & set(anchors)]
        return found[:limit]

    def drop_documents(self, deps: Iterable[str]) -> int:
        gone = set(deps)
        doomed = [k for k, e in self.entries.items() if gone & set(e.deps)]
        for key in doomed:
            del self.entries[key]
        return len(doomed)

    def clear(self) -> None:
        self.entries.clear()

    def close(self) -> None:
        pass


def test_the_shipped_backends_keep_the_protocol_and_can_delete(backend: CacheBackend) -> None:
    assert isinstance(backend, CacheBackend) and isinstance(backend, DeletesEntries)
    assert backend.name in {"memory", "sqlite", "redis"}


def test_an_object_missing_a_method_is_not_a_backend() -> None:
    class NoDrop:
        name = "partial"

        def get(self, key: str) -> CacheEntry | None:
            return None

    assert not isinstance(NoDrop(), CacheBackend)
    assert isinstance(DictBackend(), CacheBackend) and not isinstance(DictBackend(), DeletesEntries)


def test_put_replaces_and_get_misses_cleanly(backend: CacheBackend) -> None:
    assert backend.get("absent") is None
    backend.put(make_entry("k1", answer="First answer [1]."))
    backend.put(make_entry("k1", answer="Second answer [1]."))
    got = backend.get("k1")
    assert got is not None and got.answer == "Second answer [1]."


def test_candidates_are_bounded_and_scoped(backend: CacheBackend) -> None:
    for i in range(5):
        backend.put(make_entry(f"k{i}", anchors=("shared", f"own{i}")))
    backend.put(make_entry("elsewhere", ns="other", anchors=("shared",)))
    assert len(backend.candidates("ns", ["shared"], limit=3)) == 3
    assert {e.key for e in backend.candidates("ns", ["shared"], limit=10)} == {f"k{i}" for i in range(5)}
    assert [e.key for e in backend.candidates("ns", ["own4", "nothing"], limit=10)] == ["k4"]
    assert backend.candidates("ns", ["nothing"], limit=10) == []


def test_delete_drop_and_clear_remove_what_they_name(backend: CacheBackend) -> None:
    assert isinstance(backend, DeletesEntries)
    backend.put(make_entry("k1", deps=("d1",)))
    backend.put(make_entry("k2", deps=("d1", "d2")))
    backend.put(make_entry("k3", deps=("d3",)))
    backend.put(make_entry("k4", deps=("d4",)))
    backend.delete("k4")
    backend.delete("never-stored")  # no error
    assert backend.get("k4") is None
    assert backend.drop_documents(["d1", "d9"]) == 2
    assert [k for k in ("k1", "k2", "k3") if backend.get(k) is not None] == ["k3"]
    assert backend.drop_documents([]) == 0
    backend.clear()
    assert backend.get("k3") is None


def test_drop_counts_only_the_entries_it_deleted(backend: CacheBackend) -> None:
    assert isinstance(backend, DeletesEntries)
    backend.put(make_entry("k1", deps=("d1",)))
    backend.put(make_entry("k2", deps=("d1",)))
    backend.delete("k2")
    assert backend.drop_documents(["d1"]) == 1  # k2 was already gone
    assert backend.drop_documents(["d1"]) == 0  # and now so is k1


def test_a_backend_without_delete_keeps_an_outdated_entry_but_never_serves_it() -> None:
    store = DictBackend()
    cache = AnswerCache(store, semantic=SemanticSettings(equivalence_judge=False))
    before = DocumentVersions({"returns.md": "v1"})
    cache.put(make_entry("k1", deps=(dependency("returns.md"),), versions=before.of(["returns.md"])))
    assert cache.exact("k1", "ns", current=before) is not None
    after = DocumentVersions({"returns.md": "v2"})
    assert cache.exact("k1", "ns", current=after) is None
    assert "k1" in store.entries  # kept until its TTL: the protocol has no delete
    assert cache.invalidate_documents(["returns.md"]) == 1 and store.entries == {}
