"""In-process LRU backend: fast, per replica, gone on restart."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from ragfort.cache.entry import CacheEntry

__all__ = ["MemoryBackend"]


class MemoryBackend:
    """An LRU dict of entries with anchor and dependency indexes.

    Args:
        max_entries: the size bound; the least recently used entry goes first.
    """

    name = "memory"

    def __init__(self, *, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries!r}")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()
        self._anchors: dict[str, set[str]] = {}
        self._deps: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> CacheEntry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.stale_until <= time.time():
                self._remove(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, entry: CacheEntry) -> None:
        with self._lock:
            if entry.key in self._entries:
                self._remove(entry.key)
            self._entries[entry.key] = entry
            for a in entry.anchors:
                self._anchors.setdefault(a, set()).add(entry.key)
            for d in entry.deps:
                self._deps.setdefault(d, set()).add(entry.key)
            while len(self._entries) > self.max_entries:
                self._remove(next(iter(self._entries)))

    def candidates(self, namespace: str, anchors: Sequence[str], *, limit: int) -> list[CacheEntry]:
        now = time.time()
        with self._lock:
            keys: list[str] = []
            for a in anchors:
                keys.extend(k for k in self._anchors.get(a, ()) if k not in keys)
            out = []
            for k in keys:
                e = self._entries.get(k)
                if e is not None and e.namespace == namespace and e.stale_until > now:
                    out.append(e)
                if len(out) >= limit:
                    break
            return out

    def delete(self, key: str) -> None:
        with self._lock:
            self._remove(key)

    def drop_documents(self, deps: Iterable[str]) -> int:
        with self._lock:
            keys = {k for d in deps for k in self._deps.get(d, ())}
            for k in keys:
                self._remove(k)
            return len(keys)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._anchors.clear()
            self._deps.clear()

    def close(self) -> None:
        return None

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for index, ids in ((self._anchors, entry.anchors), (self._deps, entry.deps)):
            for i in ids:
                keys = index.get(i)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[i]
