"""A cache entry: the answer turn as shown, plus what the semantic check needs, as JSON.

An entry holds the answer, citations, claims, groundedness and retrieved
passages of a request that passed the output guards (passages without their
sentence vectors), the question's embedding (float16) and its hashed
`QuestionFeatures`, the hashed ids of the chunks it retrieved (anchors for
semantic lookup) and of the documents it depends on, with the content
version of each of those documents (hashed with its id), so an answer is
never served once a document it came from changed. It never holds the
question text in clear: when the semantic cache's equivalence judge is on
(the judge reads both questions), the redacted question is kept sealed with
AES-GCM under the vault key, bound to the entry's namespace
(`AnswerCache.seal_question`). Entries travel as JSON with a SHA-256 checksum, never pickle: a payload that fails
its checksum or does not parse is a miss, and so is one written before
entries recorded their documents' versions (it has no ``versions``). An
entry whose features come from an older reading of questions (another
`ragfort.cache.features.READING`) reads with no features: still an exact
hit, never a semantic one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ragfort.cache.features import QuestionFeatures, StaleFeatures
from ragfort.types import Citation, Claim, Passage, Turn

__all__ = ["CacheEntry", "CorruptEntry"]

FORMAT = 1

# Decoded entries by payload bytes (see CacheEntry.from_bytes); redacted text only, like the stores.
_DECODED_MAX = 256
_DECODED: OrderedDict[bytes, CacheEntry] = OrderedDict()
_DECODED_LOCK = threading.Lock()


class CorruptEntry(ValueError):
    """A stored payload failed its checksum or does not parse; it is dropped, never served."""


def _passage_json(p: Passage) -> dict[str, Any]:
    meta = {k: v for k, v in p.metadata.items() if isinstance(v, (str, int, float, bool)) or v is None}
    return {
        "text": p.text, "doc_id": p.doc_id, "source": p.source, "title": p.title, "start": p.start,
        "chunk_id": p.chunk_id, "score": p.score, "sentences": [list(s) for s in p.sentences], "metadata": meta,
        "public": p.public,
    }  # fmt: skip


def _features(data: Mapping[str, Any] | None) -> QuestionFeatures | None:
    if data is None:
        return None
    try:
        return QuestionFeatures.from_json(dict(data))
    except StaleFeatures:
        return None  # another reading: the rules cannot compare them, so no semantic hit


def _passage(d: Mapping[str, Any]) -> Passage:
    return Passage(
        text=str(d["text"]),
        doc_id=str(d["doc_id"]),
        source=str(d["source"]),
        title=str(d["title"]),
        start=int(d["start"]),
        chunk_id=str(d["chunk_id"]),
        score=None if d["score"] is None else float(d["score"]),
        sentences=tuple((int(a), int(b)) for a, b in d["sentences"]),
        metadata=dict(d["metadata"]),
        public=bool(d.get("public", False)),  # entries written before the field existed were not public
    )


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached answer.

    Attributes:
        key: the exact key (see `ragfort.cache.keys.exact_key`).
        namespace: tenant/policy/index/model scope.
        created: wall-clock time it was stored (seconds since the epoch).
        fresh_until: served as a hit until then.
        stale_until: kept until then, served only as a budget fallback.
        answer, citations, claims, groundedness, documents: the turn as shown.
        vector: the question embedding (None for exact-only entries).
        features: the question's hashed near-miss features.
        anchors: hashed ids of the retrieved chunks, best first.
        deps: hashed ids of the documents the answer depends on.
        versions: the hashed (document id, content) of each of those documents when the
            answer was produced (see `ragfort.cache.store.DocumentVersions`); empty when the
            chain's index keeps no per-document versions.
        sealed_question: the redacted question, sealed (base64), only for the equivalence judge (else None).
    """

    key: str
    namespace: str
    created: float
    fresh_until: float
    stale_until: float
    answer: str
    citations: tuple[Citation, ...] = ()
    claims: tuple[Claim, ...] = ()
    groundedness: float | None = None
    documents: tuple[Passage, ...] = ()
    vector: np.ndarray | None = None
    features: QuestionFeatures | None = None
    anchors: tuple[str, ...] = ()
    deps: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    sealed_question: str | None = None

    def apply(self, turn: Turn) -> Turn:
        """`turn` (with this request's question and redactions) answered from this entry."""
        return turn.evolve(
            answer=self.answer,
            citations=self.citations,
            claims=self.claims,
            groundedness=self.groundedness,
            documents=self.documents,
        )

    # -- wire format -------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """JSON with a checksum; see the module docstring."""
        body = {
            "format": FORMAT,
            "key": self.key,
            "namespace": self.namespace,
            "created": self.created,
            "fresh_until": self.fresh_until,
            "stale_until": self.stale_until,
            "answer": self.answer,
            "citations": [[c.id, c.doc_id, c.source, c.start, c.end, c.quote, c.score] for c in self.citations],
            "claims": [[c.text, c.supported, c.score, list(c.citation_ids), c.start, c.end] for c in self.claims],
            "groundedness": self.groundedness,
            "documents": [_passage_json(p) for p in self.documents],
            "vector": None
            if self.vector is None
            else base64.b64encode(np.asarray(self.vector, dtype=np.float16).tobytes()).decode("ascii"),
            "features": None if self.features is None else self.features.to_json(),
            "anchors": list(self.anchors),
            "deps": list(self.deps),
            "versions": list(self.versions),
        }
        if self.sealed_question is not None:  # absent otherwise: entries without it keep their bytes
            body["sealed_question"] = self.sealed_question
        text = json.dumps(body, separators=(",", ":"), sort_keys=True)
        check = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return f"{check}\n{text}".encode()

    @classmethod
    def from_bytes(cls, payload: bytes) -> CacheEntry:
        """Parse and verify a payload.

        Entries are immutable, so the last few hundred decoded payloads are
        remembered, keyed by their exact bytes: a popular cached answer is
        parsed once, not on every hit (parsing is most of an exact hit's
        cost). Any change to the stored bytes is a different key.

        Raises:
            CorruptEntry: the checksum does not match or a field is malformed.
        """
        with _DECODED_LOCK:
            hit = _DECODED.get(payload)
            if hit is not None:
                _DECODED.move_to_end(payload)
                return hit
        entry = cls._parse(payload)
        with _DECODED_LOCK:
            _DECODED[payload] = entry
            while len(_DECODED) > _DECODED_MAX:
                _DECODED.popitem(last=False)
        return entry

    @classmethod
    def _parse(cls, payload: bytes) -> CacheEntry:
        try:
            check, _, text = payload.decode("utf-8").partition("\n")
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != check:
                raise CorruptEntry("cache entry checksum mismatch")
            d = json.loads(text)
            if d.get("format") != FORMAT:
                raise CorruptEntry(f"unknown cache entry format {d.get('format')!r}")
            vector = None
            if d["vector"] is not None:
                vector = np.frombuffer(base64.b64decode(d["vector"]), dtype=np.float16).astype(np.float32)
            return cls(
                key=str(d["key"]),
                namespace=str(d["namespace"]),
                created=float(d["created"]),
                fresh_until=float(d["fresh_until"]),
                stale_until=float(d["stale_until"]),
                answer=str(d["answer"]),
                citations=tuple(
                    Citation(int(i), str(doc), str(src), int(s), int(e), str(q), float(sc))
                    for i, doc, src, s, e, q, sc in d["citations"]
                ),
                claims=tuple(
                    Claim(str(t), sup, float(sc), tuple(int(x) for x in ids), start=int(s), end=int(e))
                    for t, sup, sc, ids, s, e in d["claims"]
                ),
                groundedness=None if d["groundedness"] is None else float(d["groundedness"]),
                documents=tuple(_passage(p) for p in d["documents"]),
                vector=vector,
                features=_features(d["features"]),
                anchors=tuple(str(a) for a in d["anchors"]),
                deps=tuple(str(x) for x in d["deps"]),
                # Required: an entry without it predates version checks, and could outlive its documents.
                versions=tuple(str(v) for v in d["versions"]),
                sealed_question=None if d.get("sealed_question") is None else str(d["sealed_question"]),
            )
        except CorruptEntry:
            raise
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise CorruptEntry(f"unreadable cache entry ({type(exc).__name__})") from None
