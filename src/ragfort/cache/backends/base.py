"""The backend protocol the cache needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from ragfort.cache.entry import CacheEntry

__all__ = ["CacheBackend", "DeletesEntries"]


@runtime_checkable
class CacheBackend(Protocol):
    """Where entries live. Implementations are thread-safe and never raise on a broken store."""

    name: str

    def get(self, key: str) -> CacheEntry | None:
        """The entry under `key`, or None (missing, expired past its grace, corrupt, store down)."""
        ...

    def put(self, entry: CacheEntry) -> None:
        """Store `entry` (replacing any under its key), evicting the least recently used over the bound."""
        ...

    def candidates(self, namespace: str, anchors: Sequence[str], *, limit: int) -> list[CacheEntry]:
        """Entries of `namespace` that share at least one of `anchors`, at most `limit`."""
        ...

    def drop_documents(self, deps: Iterable[str]) -> int:
        """Delete every entry depending on one of the hashed document ids `deps`; returns how many."""
        ...

    def clear(self) -> None:
        """Delete everything."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class DeletesEntries(Protocol):
    """A backend that can delete one entry by key (the shipped ones can; the cache uses it when it can).

    The cache deletes an entry it finds outdated (a document it was produced
    from changed), so it stops taking a semantic candidate's place; a backend
    without it keeps such entries, never served, until their TTL.
    """

    def delete(self, key: str) -> None:
        """Delete the entry under `key`, if any."""
        ...
