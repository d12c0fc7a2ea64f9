"""Where an index keeps its state: on local disk, or on a Chroma server.

An index has three parts: the chunk collection (vectors, chunk text,
metadata), the manifest (versions, document hashes, ingest state) and the
full text of each document as indexed. `LocalBackend` keeps the chunks in a
Chroma `PersistentClient` under the index folder, the manifest in
``manifest.json`` (replaced atomically) and the texts in
``documents.sqlite``. `ChromaServerBackend` keeps all three on a Chroma
server (``RAGFORT_CHROMA_URL``), so several ``ragfort serve`` replicas share
one index: the manifest and the texts are records of two small side
collections, written with single-record upserts (atomic on the server).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from ragfort.embeddings import ChromaEmbeddingFunction
from ragfort.errors import BackendError, ConfigError, IndexError_

__all__ = ["ChromaServerBackend", "IndexBackend", "LocalBackend", "open_backend"]

COLLECTION = "ragfort_chunks"
MANIFEST_POLL_S = 5.0
_NO_VECTOR = [0.0]  # side collections hold records, not vectors; Chroma still wants one


class IndexBackend(Protocol):
    """Storage of one index."""

    location: str

    def chunks(self) -> Any:
        """The Chroma collection of chunks."""
        ...

    def max_batch(self) -> int: ...

    def read_manifest(self) -> dict[str, Any] | None: ...

    def manifest_token(self) -> object:
        """Changes when the manifest may have changed (so readers know when to re-read it)."""
        ...

    def write_manifest(self, data: dict[str, Any]) -> None: ...

    def put_documents(self, rows: list[tuple[str, str, str]]) -> None:
        """Store `(doc_id, sha256, text)` rows."""
        ...

    def delete_documents(self, doc_ids: list[str]) -> None: ...

    def document_text(self, doc_id: str) -> str | None: ...


def _collection(client: Any, name: str) -> Any:
    return client.get_or_create_collection(
        name,
        embedding_function=ChromaEmbeddingFunction(),  # never Chroma's downloading default
        metadata={"hnsw:space": "cosine"},
    )


class LocalBackend:
    """An index folder on local disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self._client: Any = None
        self._chunks: Any = None
        # Chroma's client set-up is not thread-safe: two first queries at once fail inside it.
        self._lock = threading.Lock()

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def _connect(self) -> Any:
        with self._lock:
            if self._client is None:
                import chromadb
                from chromadb.config import Settings

                self._client = chromadb.PersistentClient(
                    path=str(self.path / "chroma"), settings=Settings(anonymized_telemetry=False)
                )
            return self._client

    def chunks(self) -> Any:
        if self._chunks is None:
            client = self._connect()
            with self._lock:
                if self._chunks is None:
                    self._chunks = _collection(client, COLLECTION)
        return self._chunks

    def max_batch(self) -> int:
        return int(self._connect().get_max_batch_size())

    def read_manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.exists():
            return None
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexError_(f"{self.manifest_path}: unreadable index manifest ({exc})") from None
        if not isinstance(data, dict):
            raise IndexError_(f"{self.manifest_path}: the manifest is not a JSON object")
        return data

    def manifest_token(self) -> object:
        try:
            return self.manifest_path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def write_manifest(self, data: dict[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".manifest-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.manifest_path)  # atomic: readers see the old or the new, never half

    def _db(self) -> sqlite3.Connection:
        self.path.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path / "documents.sqlite")
        con.execute("CREATE TABLE IF NOT EXISTS documents (doc_id TEXT PRIMARY KEY, sha256 TEXT, text TEXT)")
        return con

    def put_documents(self, rows: list[tuple[str, str, str]]) -> None:
        con = self._db()
        with con:
            con.executemany("INSERT OR REPLACE INTO documents (doc_id, sha256, text) VALUES (?, ?, ?)", rows)
        con.close()

    def delete_documents(self, doc_ids: list[str]) -> None:
        con = self._db()
        with con:
            con.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in doc_ids])
        con.close()

    def document_text(self, doc_id: str) -> str | None:
        con = self._db()
        try:
            row = con.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        finally:
            con.close()
        return None if row is None else str(row[0])


class ChromaServerBackend:
    """An index on a Chroma server (``chroma run``), shared by several replicas.

    Args:
        url: ``http://host:port`` of the server.
        name: the index name; collections are ``ragfort_<name>``,
            ``ragfort_<name>__manifest`` and ``ragfort_<name>__docs``.
    """

    def __init__(self, url: str, name: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"RAGFORT_CHROMA_URL must look like http://host:port, got {url!r}")
        clean = re.sub(r"[^A-Za-z0-9_-]", "_", name).strip("_-") or "index"
        self.base = f"ragfort_{clean}"[:60]
        self.location = f"{url.rstrip('/')}#{self.base}"
        self._url = parsed
        self._client: Any = None
        self._cols: dict[str, Any] = {}

    def _connect(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            try:
                self._client = chromadb.HttpClient(
                    host=self._url.hostname or "127.0.0.1",
                    port=self._url.port or (443 if self._url.scheme == "https" else 8000),
                    ssl=self._url.scheme == "https",
                    settings=Settings(anonymized_telemetry=False),
                )
            except Exception as exc:  # chromadb raises plain ValueError/ConnectionError on connect
                raise BackendError(f"Chroma server {self.location} is unreachable: {exc}") from exc
        return self._client

    def _col(self, suffix: str) -> Any:
        if suffix not in self._cols:
            try:
                self._cols[suffix] = _collection(self._connect(), self.base + suffix)
            except BackendError:
                raise
            except Exception as exc:
                raise BackendError(f"Chroma server {self.location} failed: {exc}") from exc
        return self._cols[suffix]

    def chunks(self) -> Any:
        return self._col("")

    def max_batch(self) -> int:
        return int(self._connect().get_max_batch_size())

    def read_manifest(self) -> dict[str, Any] | None:
        got = self._col("__manifest").get(ids=["manifest"], include=["documents"])
        docs = got.get("documents") or []
        if not docs:
            return None
        data = json.loads(docs[0])
        return data if isinstance(data, dict) else None

    def manifest_token(self) -> object:
        # A network round trip per request would cost more than the query:
        # replicas re-read the shared manifest at most every few seconds.
        return int(time.monotonic() // MANIFEST_POLL_S)

    def write_manifest(self, data: dict[str, Any]) -> None:
        self._col("__manifest").upsert(
            ids=["manifest"], embeddings=[_NO_VECTOR], documents=[json.dumps(data, sort_keys=True)]
        )

    def put_documents(self, rows: list[tuple[str, str, str]]) -> None:
        batch = max(1, min(self.max_batch(), 1000))
        for b in range(0, len(rows), batch):
            part = rows[b : b + batch]
            self._col("__docs").upsert(
                ids=[r[0] for r in part],
                embeddings=[_NO_VECTOR] * len(part),
                documents=[r[2] for r in part],
                metadatas=[{"sha256": r[1]} for r in part],
            )

    def delete_documents(self, doc_ids: list[str]) -> None:
        if doc_ids:
            self._col("__docs").delete(ids=doc_ids)

    def document_text(self, doc_id: str) -> str | None:
        got = self._col("__docs").get(ids=[doc_id], include=["documents"])
        docs = got.get("documents") or []
        return str(docs[0]) if docs else None


def open_backend(path: Path, chroma_url: str | None) -> IndexBackend:
    """The backend for an index: a Chroma server when a URL is given (or set in the environment)."""
    url = chroma_url if chroma_url is not None else os.environ.get("RAGFORT_CHROMA_URL") or None
    if url:
        return ChromaServerBackend(url, path.name or "index")
    return LocalBackend(path)
