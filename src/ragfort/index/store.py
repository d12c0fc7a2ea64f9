"""The index: chunks with MiniLM vectors in Chroma, a manifest, sentence vectors.

By default everything is on local disk (the layout below); with
``RAGFORT_CHROMA_URL`` the same three parts live on a Chroma server (see
`ragfort.index.backends`). Layout of a local index folder::

    manifest.json       schema version, embedding model, content fingerprint,
                        index version, per-document hashes, ingest state
    chroma/             Chroma's persistent store (one record per chunk)
    documents.sqlite    the full text of every document as indexed, so a
                        citation's offsets can be checked against it

The expensive work happens here, at ingest: every sentence of every chunk is
embedded once. A chunk's vector is the normalised mean of its sentences'
vectors and its heading path's vector (MiniLM itself mean-pools tokens, and
this covers chunks longer than its 256-token window), and the sentence
vectors travel in the chunk's metadata (float16, base64), so grounding at
request time embeds only the answer and needs no second lookup.

Ingest is incremental and safe to interrupt: the manifest is switched to
``ingesting`` (listing the documents about to change) before Chroma is
touched, and back to ``complete`` with a new index version only at the end.
An index left ``ingesting`` refuses to open for queries and is repaired by
the next ingest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import yaml

from ragfort.embeddings import Embedder, get_embedder
from ragfort.errors import BackendError, IndexError_, IndexIncomplete, InputError, RagfortError
from ragfort.index.backends import IndexBackend, LocalBackend, open_backend
from ragfort.index.chunking import Chunk, chunk_text
from ragfort.index.loaders import LoadedDocument, discover, load_document
from ragfort.text import CorpusVocabulary, corpus_vocabulary
from ragfort.types import Passage

__all__ = ["SCHEMA_VERSION", "SOURCE_FILE", "Index", "IngestReport", "Visibility", "root_visibility"]

log = logging.getLogger("ragfort.index")

SCHEMA_VERSION = 1
Transform = Callable[[list[str]], list[str]]
Visibility = Literal["public", "private"]
# A corpus folder declares its visibility in this file (``visibility: public``); the default is private.
SOURCE_FILE = "ragfort-source.yaml"


def _declared(folder: Path) -> Visibility | None:
    """What `folder`'s own `SOURCE_FILE` declares; None when it has none."""
    marker = folder / SOURCE_FILE
    if not marker.is_file():
        return None
    try:
        data = yaml.safe_load(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{marker}: cannot read it as YAML ({type(exc).__name__})") from None
    value = data.get("visibility") if isinstance(data, dict) else None
    if value not in ("public", "private"):
        raise InputError(f"{marker}: visibility must be 'public' or 'private', got {value!r}")
    return "public" if value == "public" else "private"


def root_visibility(root: Path, path: Path | None = None) -> Visibility:
    """The visibility of `path` (a file under the corpus folder `root`), or of `root` itself.

    The nearest `SOURCE_FILE` decides: in the file's own folder, else in the
    folders above it up to `root` (a marker in ``docs/help_center/`` covers
    that subtree when ``docs/`` is ingested); with none, ``private``. A help
    center is public: its support line, store addresses and product names are
    published on purpose, and rewriting them only damages answers and
    citations. Support tickets, chats and CRM notes are private (the
    default), and are redacted at ingest by the policy's transform.

    Raises:
        InputError: a marker is not YAML, or does not say ``visibility: public`` or ``private``.
    """
    top = root if root.is_dir() else root.parent
    folder = (path.parent if path is not None else top).resolve()
    top = top.resolve()
    while True:
        declared = _declared(folder)
        if declared is not None:
            return declared
        if folder == top or top not in folder.parents:
            return "private"
        folder = folder.parent


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest changed."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    chunks: int = 0
    sentences: int = 0
    seconds: float = 0.0
    index_version: str = ""
    # Private documents of this ingest whose indexed text the transform changed (personal data redacted).
    redacted: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Manifest:
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    state: str = "complete"
    pending: list[str] = field(default_factory=list)
    index_version: str = ""
    fingerprint: str = ""
    embedding_model: str = ""
    transform_id: str | None = None
    updated: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "state": self.state,
            "pending": self.pending,
            "index_version": self.index_version,
            "fingerprint": self.fingerprint,
            "embedding_model": self.embedding_model,
            "transform_id": self.transform_id,
            "updated": self.updated,
            "documents": self.documents,
        }


def _encode_vectors(vectors: np.ndarray) -> str:
    return base64.b64encode(vectors.astype(np.float16).tobytes()).decode("ascii")


def _decode_vectors(blob: str, dim: int) -> np.ndarray:
    arr = np.frombuffer(base64.b64decode(blob), dtype=np.float16).astype(np.float32)
    return arr.reshape(-1, dim)


class Index:
    """A persistent chunk index: a local folder, or a Chroma server shared by replicas.

    Args:
        path: the index folder (created on first ingest). With a Chroma server,
            its last component names the index on the server.
        embedder: the sentence embedder (the shared MiniLM by default).
        chunk_chars: target chunk size at ingest.
        chroma_url: a Chroma server (``http://host:port``); default
            ``$RAGFORT_CHROMA_URL``, else local disk.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        embedder: Embedder | None = None,
        chunk_chars: int = 800,
        chroma_url: str | None = None,
    ) -> None:
        self.path = Path(path)
        self._embedder = embedder
        self.chunk_chars = chunk_chars
        self.backend: IndexBackend = open_backend(self.path, chroma_url)
        self._manifest: _Manifest | None = None
        self._manifest_token: object = None
        self._manifest_stale = False
        self._document_versions: tuple[tuple[float, str, str], Mapping[str, str]] | None = None
        self._vocabulary: tuple[str, CorpusVocabulary] | None = None  # (index version, what `vocabulary` read)

    # -- properties ----------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    @property
    def manifest_path(self) -> Path:
        """The local manifest file (local indexes only)."""
        return self.path / "manifest.json"

    def exists(self) -> bool:
        return self.backend.read_manifest() is not None

    @property
    def manifest(self) -> _Manifest:
        """The manifest, re-read whenever the backend says it may have changed (another ingest).

        When a re-read fails because the index server cannot be reached, the
        last manifest read stays in use (and the next call tries again): the
        answer cache keys on its version, and answers cached before an outage
        must stay servable while retrieval is down. A manifest that reads but
        is wrong (`IndexError_`) is never papered over.
        """
        token = self.backend.manifest_token()
        if self._manifest is None or token != self._manifest_token:
            try:
                fresh = self._read_manifest()
            except IndexError_:
                raise
            except Exception as exc:
                if self._manifest is None:
                    raise
                if not self._manifest_stale:
                    log.warning("index %s: cannot re-read the manifest (%s); using the last one read",
                                self.backend.location, type(exc).__name__)  # fmt: skip
                    self._manifest_stale = True
                return self._manifest
            self._manifest = fresh
            self._manifest_token = token
            self._manifest_stale = False
        return self._manifest

    def refresh(self) -> None:
        """Forget the cached manifest (another process may have re-ingested)."""
        self._manifest = None

    @property
    def version(self) -> str:
        """Changes whenever the indexed content changes."""
        return self.manifest.index_version

    @property
    def structure(self) -> str:
        """What every passage depends on besides its document: schema version, embedding model, corpus transform.

        Changing the model or the transform re-indexes every document; this
        changes then, and not on a re-ingest that only changes content.
        """
        manifest = self.manifest
        return f"{SCHEMA_VERSION}:{manifest.embedding_model}:{manifest.transform_id or ''}"

    @property
    def document_versions(self) -> Mapping[str, str]:
        """Each indexed document's content version by id: its file's sha256 and its visibility.

        A document an ingest in progress is about to change or remove has
        none. The same read-only mapping is returned until the manifest is
        written again, so callers can keep what they derive from it by its
        identity.
        """
        manifest = self.manifest
        # Each manifest write stamps `updated`; the state changes within one ingest's writes.
        stamp = (manifest.updated, manifest.state, manifest.fingerprint)
        known = self._document_versions
        if known is None or known[0] != stamp:
            pending = set(manifest.pending) if manifest.state != "complete" else set()
            versions = {
                doc_id: f"{info.get('sha256', '')}:{'public' if info.get('public') else 'private'}"
                for doc_id, info in manifest.documents.items()
                if doc_id not in pending
            }
            known = self._document_versions = (stamp, MappingProxyType(versions))
        return known[1]

    @property
    def doc_ids(self) -> list[str]:
        return sorted(self.manifest.documents)

    def _read_manifest(self) -> _Manifest:
        data = self.backend.read_manifest()
        if data is None:
            return _Manifest()
        if data.get("schema_version") != SCHEMA_VERSION:
            raise IndexError_(
                f"{self.backend.location}: index schema version {data.get('schema_version')!r} is not "
                f"{SCHEMA_VERSION}; re-ingest into a new folder"
            )
        return _Manifest(
            documents=dict(data.get("documents", {})),
            state=str(data.get("state", "complete")),
            pending=list(data.get("pending", [])),
            index_version=str(data.get("index_version", "")),
            fingerprint=str(data.get("fingerprint", "")),
            embedding_model=str(data.get("embedding_model", "")),
            transform_id=data.get("transform_id"),
            updated=float(data.get("updated", 0.0)),
        )

    def _write_manifest(self, manifest: _Manifest) -> None:
        manifest.updated = time.time()
        self.backend.write_manifest(manifest.to_json())
        self._manifest = manifest
        self._manifest_token = self.backend.manifest_token()

    def check_ready(self) -> None:
        """Raise unless the index exists and its last ingest completed."""
        manifest = self.manifest
        if manifest.state != "complete":
            raise IndexIncomplete(
                f"the index at {self.backend.location!r} is incomplete (an ingest was interrupted); "
                "run ragfort ingest again to repair it"
            )
        if not manifest.index_version:
            raise IndexError_(f"no index at {self.backend.location!r}; run: ragfort ingest PATH --index {self.path}")

    # -- reading -------------------------------------------------------------
    def document_text(self, doc_id: str) -> str:
        """The full text of a document as indexed (what citation offsets point into)."""
        text = self.backend.document_text(doc_id)
        if text is None:
            raise KeyError(doc_id)
        return text

    def chunk_texts(self) -> list[tuple[str, str]]:
        """Every indexed chunk as ``(doc_id, text)``, ordered by document and position: what retrieval can return."""
        self.check_ready()
        got = self.backend.chunks().get(include=["documents", "metadatas"])
        rows = zip(got.get("documents") or [], got.get("metadatas") or [], strict=True)
        out = [
            (str((meta or {}).get("doc_id", "")), int((meta or {}).get("start", 0)), str(text)) for text, meta in rows
        ]
        return [(doc_id, text) for doc_id, _start, text in sorted(out, key=lambda row: row[:2])]

    def vocabulary(self) -> CorpusVocabulary:
        """The words, word pairs and capitalised names of every indexed chunk (`ragfort.text.corpus_vocabulary`),
        and the phone numbers and e-mail addresses its public chunks print, read once per index version, on first
        use. `words`, `word_pairs` and `proper_words` are its first three parts.
        """
        version = self.version
        if self._vocabulary is None or self._vocabulary[0] != version:
            chunks = self.backend.chunks()
            texts = chunks.get(include=["documents"]).get("documents") or []
            # Only the documents: the metadata carries every chunk's sentence vectors.
            public = chunks.get(where={"public": True}, include=["documents"]).get("documents") or []
            self._vocabulary = (version, corpus_vocabulary(map(str, texts), public=map(str, public)))
        return self._vocabulary[1]

    def words(self) -> frozenset[str]:
        """The lower-case words of every indexed chunk (`ragfort.text.words`), read once per index version.

        What a question typed with a typo is respelt against (`ragfort.chain.RagChain.query`): the corpus's
        spelling of "servce" is "service".
        """
        return frozenset(self.vocabulary().words)

    def word_pairs(self) -> frozenset[int]:
        """The pairs of words that stand side by side in some indexed chunk (`ragfort.text.word_pairs` keys),
        read once per index version, on first use.

        A question's "Voltwise Watch" is a name the help center never uses when it writes "watch" but never
        after "Voltwise" (`ragfort.guards.names`; asked only by a relevance guard with a bar for names).
        """
        return frozenset(self.vocabulary().pairs)

    def compounds(self) -> frozenset[str]:
        """The words every indexed chunk writes joined by hyphens (`ragfort.text.compounds`), read once per index
        version, on first use: what a question typed closed up ("checkin", "wifi") means ("check-in", "wi-fi";
        `ragfort.chain.RagChain.query`)."""
        return frozenset(self.vocabulary().compounds)

    def proper_words(self) -> frozenset[str]:
        """The words some indexed chunk writes capitalised inside a sentence (`ragfort.text.proper_words`), read once
        per index version, on first use: the help center's own names ("Brightwater", "Railcard"), which a
        customer's question may name without naming anyone (`ragfort.pii.vocabulary`).
        """
        return frozenset(self.vocabulary().proper)

    def embed_query(self, question: str) -> np.ndarray:
        return self.embedder.encode_one(question)

    def search(self, question: str, *, k: int = 5, vector: np.ndarray | None = None) -> list[Passage]:
        """The `k` chunks most similar to `question`, best first, with scores in [0, 1]."""
        if k <= 0:
            raise ValueError(f"k must be positive, got {k!r}")
        self.check_ready()
        if vector is None:
            vector = self.embed_query(question)
        try:
            res = self.backend.chunks().query(
                query_embeddings=[vector.tolist()],
                n_results=k,
                include=["documents", "metadatas", "distances"],
            )
        except RagfortError:
            raise
        except Exception as exc:
            if isinstance(self.backend, LocalBackend):
                raise
            # A Chroma server that went away mid-flight: a backend fault, not a crash.
            raise BackendError(f"Chroma server {self.backend.location} failed: {type(exc).__name__}") from exc
        out = []
        dim = self.embedder.dimension
        for text, md, dist in zip(res["documents"][0], res["metadatas"][0], res["distances"][0], strict=False):
            sentences = tuple((int(a), int(b)) for a, b in json.loads(str(md["sentences"])))
            meta: dict[str, Any] = {"heading": md.get("heading", "")}
            if md.get("svec"):
                meta["sentence_vectors"] = _decode_vectors(str(md["svec"]), dim)
            out.append(
                Passage(
                    text=str(text),
                    doc_id=str(md["doc_id"]),
                    source=str(md.get("source", "")),
                    title=str(md.get("title", "")),
                    start=int(md["start"]),
                    chunk_id=str(md["chunk_id"]),
                    score=float(max(0.0, min(1.0, 1.0 - float(dist)))),
                    sentences=sentences,
                    metadata=meta,
                    public=md.get("public") is True,
                )
            )
        return out

    @staticmethod
    def sentence_vectors(passages: Sequence[Passage]) -> list[np.ndarray | None]:
        """Per passage, its ingest-time sentence vectors (aligned with `Passage.sentences`), if known."""
        out: list[np.ndarray | None] = []
        for p in passages:
            vecs = p.metadata.get("sentence_vectors") if p.metadata else None
            out.append(vecs if isinstance(vecs, np.ndarray) and len(vecs) == len(p.sentences) else None)
        return out

    # -- writing -------------------------------------------------------------
    def ingest(
        self,
        roots: Iterable[str | os.PathLike[str]],
        *,
        progress: bool = False,
        transform: Transform | None = None,
        transform_id: str | None = None,
        visibility: Visibility | None = None,
    ) -> IngestReport:
        """Index every supported file under `roots`, incrementally.

        New and changed files are (re)chunked and replace their old chunks;
        files that disappeared from a root are removed; an unchanged corpus is
        a no-op. `transform` (for example PII redaction) maps document texts
        to the texts to index; `transform_id` names it, and changing it
        re-indexes everything.

        `visibility` applies to every root; None lets each folder say it in its
        `SOURCE_FILE`, the nearest one above a document deciding (private when
        there is none). Public documents are indexed
        as written (`transform` is not applied) and their passages come back
        with ``public=True``; changing a document's visibility re-indexes it.

        Raises:
            InputError: a root is missing or holds no supported file, or a file is unreadable.
        """
        t0 = time.perf_counter()
        root_paths = [Path(r) for r in roots]
        if not root_paths:
            raise InputError("ingest needs at least one path")
        if visibility not in (None, "public", "private"):
            raise InputError(f"visibility must be 'public' or 'private', got {visibility!r}")
        found: dict[str, tuple[Path, str]] = {}
        public: dict[str, bool] = {}
        by_folder: dict[tuple[Path, Path], bool] = {}  # one look-up per folder, not per document
        for root in root_paths:
            for doc_id, path in discover(root):
                if doc_id in found and found[doc_id][0] != path:
                    raise InputError(f"two files map to the doc id {doc_id!r}: {found[doc_id][0]} and {path}")
                found[doc_id] = (path, str(root.resolve()))
                if (root, path.parent) not in by_folder:
                    by_folder[(root, path.parent)] = (visibility or root_visibility(root, path)) == "public"
                public[doc_id] = by_folder[(root, path.parent)]
        old = self.manifest if self.exists() else _Manifest()
        full_rebuild = old.transform_id != transform_id or old.embedding_model not in ("", self.embedder.model_id)
        root_set = {str(r.resolve()) for r in root_paths}
        hashes = {doc_id: hashlib.sha256(path.read_bytes()).hexdigest() for doc_id, (path, _) in found.items()}
        pending = set(old.pending)
        added = [d for d in found if d not in old.documents]
        updated = [
            d
            for d in found
            if d in old.documents
            and (
                full_rebuild
                or d in pending
                or old.documents[d]["sha256"] != hashes[d]
                or bool(old.documents[d].get("public", False)) != public[d]
            )
        ]
        removed = [d for d, info in old.documents.items() if info.get("root") in root_set and d not in found]
        removed += [d for d in pending if d not in found and d not in old.documents]
        if not (added or updated or removed) and old.state == "complete":
            return IngestReport(unchanged=len(found), seconds=time.perf_counter() - t0, index_version=old.index_version)

        # Load and chunk before touching the store: a bad file fails here, harmlessly.
        todo = sorted(set(added) | set(updated))
        docs = [load_document(found[d][0], doc_id=d) for d in todo]
        private = [i for i, d in enumerate(docs) if not public[d.doc_id]]
        redacted: list[str] = []
        if transform is not None and private:
            texts = transform([docs[i].text for i in private])
            if len(texts) != len(private):
                raise ValueError(f"ingest transform returned {len(texts)} texts for {len(private)} documents")
            for i, t in zip(private, texts, strict=True):
                d = docs[i]
                if t != d.text:
                    redacted.append(d.doc_id)
                docs[i] = LoadedDocument(d.doc_id, d.source, d.title, t, d.sha256)
        chunked = [(d, chunk_text(d.text, title=d.title, max_chars=self.chunk_chars)) for d in docs]

        # Mark the index as being changed before the first write.
        working = _Manifest(
            documents={k: v for k, v in old.documents.items() if k not in removed},
            state="ingesting",
            pending=sorted(set(todo) | set(removed) | pending),
            index_version=old.index_version,
            fingerprint=old.fingerprint,
            embedding_model=self.embedder.model_id,
            transform_id=transform_id,
        )
        self._write_manifest(working)

        n_chunks, n_sentences = self._write_chunks(chunked, [*removed, *todo], public=public, progress=progress)

        self.backend.delete_documents(list(removed))
        self.backend.put_documents([(d.doc_id, d.sha256, d.text) for d in docs])
        for d, chunks in chunked:
            working.documents[d.doc_id] = {
                "sha256": hashes[d.doc_id],
                "root": found[d.doc_id][1],
                "source": d.source,
                "title": d.title,
                "chunks": len(chunks),
                "public": public[d.doc_id],
            }
        fingerprint = hashlib.sha256(
            json.dumps(
                [
                    SCHEMA_VERSION,
                    working.embedding_model,
                    transform_id,
                    sorted((k, v["sha256"], bool(v.get("public", False))) for k, v in working.documents.items()),
                ]
            ).encode()
        ).hexdigest()
        working.fingerprint = fingerprint
        working.index_version = fingerprint[:12]
        working.state = "complete"
        working.pending = []
        self._write_manifest(working)
        return IngestReport(
            added=tuple(sorted(set(added))),
            updated=tuple(sorted(updated)),
            removed=tuple(sorted(removed)),
            unchanged=len(found) - len(todo),
            chunks=n_chunks,
            sentences=n_sentences,
            seconds=time.perf_counter() - t0,
            index_version=working.index_version,
            redacted=tuple(sorted(redacted)),
        )

    def _write_chunks(
        self,
        chunked: list[tuple[LoadedDocument, list[Chunk]]],
        replace: Sequence[str],
        *,
        public: dict[str, bool],
        progress: bool,
    ) -> tuple[int, int]:
        collection = self.backend.chunks()
        for doc_id in replace:
            collection.delete(where={"doc_id": doc_id})
        # One embedding pass over every sentence and heading path.
        texts: list[str] = []
        slots: dict[str, int] = {}

        def slot(text: str) -> int:
            if text not in slots:
                slots[text] = len(texts)
                texts.append(text)
            return slots[text]

        plan = []
        for doc, chunks in chunked:
            for i, ch in enumerate(chunks):
                sent_slots = [slot(ch.text[s:e]) for s, e in ch.sentences]
                plan.append((doc, i, ch, slot(ch.heading_path) if ch.heading_path else None, sent_slots))
        vectors = self.embedder.encode(texts, show_progress=progress) if texts else np.zeros((0, 1), np.float32)
        ids, embeddings, documents, metadatas = [], [], [], []
        for doc, i, ch, head, sent_slots in plan:
            svecs = vectors[sent_slots] if sent_slots else np.zeros((0, vectors.shape[1]), np.float32)
            parts = [svecs] + ([vectors[[head]]] if head is not None else [])
            mean = np.concatenate(parts).mean(axis=0)
            norm = float(np.linalg.norm(mean)) or 1.0
            chunk_id = f"{hashlib.sha1(doc.doc_id.encode()).hexdigest()[:10]}-{i}"
            ids.append(chunk_id)
            embeddings.append((mean / norm).tolist())
            documents.append(ch.text)
            metadatas.append(
                {
                    "doc_id": doc.doc_id,
                    "source": doc.source,
                    "title": doc.title,
                    "heading": ch.heading_path,
                    "start": ch.start,
                    "chunk_id": chunk_id,
                    "sentences": json.dumps([list(s) for s in ch.sentences]),
                    "svec": _encode_vectors(svecs),
                    "public": public[doc.doc_id],
                }
            )
        # Chroma refuses batches over its maximum (5,461 here); stay well under it.
        batch = max(1, min(self.backend.max_batch(), 1000))
        for b in range(0, len(ids), batch):
            collection.add(
                ids=ids[b : b + batch],
                embeddings=embeddings[b : b + batch],
                documents=documents[b : b + batch],
                metadatas=metadatas[b : b + batch],
            )
        return len(ids), sum(len(p[4]) for p in plan)
