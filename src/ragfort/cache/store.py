"""`AnswerCache`: freshness, stale grace and the semantic match over a backend.

Two lookups:

- `exact`: the key of the redacted, normalised question (see `keys`).
- `semantic`: after retrieval, candidates that share a retrieved chunk with
  this question are scored. A candidate matches only when the question
  vectors' cosine reaches the threshold (``judged_threshold`` when the judge
  is on, else ``threshold``), the two retrievals agree (the top
  chunk of one is within the top `anchor_depth` of the other), the
  near-miss check (`nearmiss.compare`) finds no difference in meaning (with
  the judge on, also when it finds none once typos between the two texts
  are mended: `ragfort.cache.typos`), and,
  when ``equivalence_judge`` is on, the learned judge (`ragfort.cache.equivalence`)
  finds that one answer serves both questions. The rules are hard vetoes
  and cost nothing; the judge reads only the candidates they let through,
  best cosine first, at most ``judge_candidates`` of them.

Each returns a `Match`: the entry and whether it is still fresh. Stale
entries (past TTL, within the grace period) are only ever served as a
latency-budget fallback; the pipeline decides that, not the cache.

Given the index's current `DocumentVersions`, neither lookup returns an
entry produced from a document that has changed or gone since, fresh or
stale: it is a miss, and deleted when the backend can (`DeletesEntries`).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ragfort.cache.backends.base import CacheBackend, DeletesEntries
from ragfort.cache.entry import CacheEntry
from ragfort.cache.equivalence import EquivalenceGate, equivalence_gate
from ragfort.cache.features import QuestionFeatures, question_features
from ragfort.cache.keys import digest
from ragfort.cache.nearmiss import compare
from ragfort.cache_settings import CacheSettings, SemanticSettings

if TYPE_CHECKING:
    from ragfort.pii.vault import VaultKeys

__all__ = ["AnswerCache", "DocumentVersions", "Match", "dependency", "document_version", "drop_dependents"]


@dataclass(frozen=True, slots=True)
class Match:
    """A cache entry found for a question.

    Attributes:
        entry: the stored answer.
        fresh: False when past its TTL (then only a budget fallback may serve it).
        similarity: cosine of the question vectors (1.0 for an exact match).
    """

    entry: CacheEntry
    fresh: bool
    similarity: float = 1.0


class AnswerCache:
    """Answers by exact key and by semantic match, over any `CacheBackend`.

    Args:
        backend: where entries live.
        ttl_s: how long an entry is served as a hit.
        stale_grace_s: how much longer it is kept for budget fallbacks.
        semantic: the semantic match settings.
        gate: the equivalence gate to use instead of the shipped judge (for
            tests and benchmarks of another model folder); by default the
            shipped one when ``semantic.equivalence_judge`` is on.
        keys: seal the questions the judge reads (default: the vault key,
            `VaultKeys.load`; replicas sharing a backend share it).

    Raises:
        ConfigError: the equivalence judge is on and its model is missing or damaged.
    """

    def __init__(
        self,
        backend: CacheBackend,
        *,
        ttl_s: float = 86_400.0,
        stale_grace_s: float = 604_800.0,
        semantic: SemanticSettings | None = None,
        gate: EquivalenceGate | None = None,
        keys: VaultKeys | None = None,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s!r}")
        if stale_grace_s < 0:
            raise ValueError(f"stale_grace_s must be zero or more, got {stale_grace_s!r}")
        self.backend = backend
        self.ttl_s = ttl_s
        self.stale_grace_s = stale_grace_s
        self.semantic_settings = semantic or SemanticSettings()
        cfg = self.semantic_settings
        self.gate: EquivalenceGate | None = None
        if cfg.enabled and cfg.equivalence_judge:
            # Loaded (and its checksum checked) here, so a damaged model fails at startup, not on a request.
            self.gate = gate or equivalence_gate(cfg.min_equivalence)
        self._keys = keys
        if self._keys is None and self.gate is not None:
            from ragfort.pii.vault import VaultKeys  # the pii package is heavy; only this path needs its key

            self._keys = VaultKeys.load()

    @property
    def gate_version(self) -> str:
        """What the semantic gate admits, for the cache namespace ("" without the judge)."""
        return "" if self.gate is None else self.gate.version

    @classmethod
    def from_settings(cls, settings: CacheSettings, backend: CacheBackend) -> AnswerCache:
        """A cache with the policy's TTL, grace and semantic settings."""
        return cls(backend, ttl_s=settings.ttl_s, stale_grace_s=settings.stale_grace_s, semantic=settings.semantic)

    @property
    def keeps_questions(self) -> bool:
        """Whether entries keep the (redacted) question, sealed: the equivalence judge reads it."""
        return self._keys is not None

    def seal_question(self, namespace: str, question: str) -> str:
        """`question` sealed for entries of `namespace` (AES-GCM; see `ragfort.cache.entry`)."""
        if self._keys is None:
            raise ValueError("this cache keeps no questions (the equivalence judge is off)")
        return base64.b64encode(self._keys.seal_text(namespace, "cache", "question", question)).decode("ascii")

    def open_question(self, entry: CacheEntry) -> str | None:
        """The entry's question, or None when it has none or it was not sealed for its namespace with this key."""
        if self._keys is None or not entry.sealed_question:
            return None
        try:
            blob = base64.b64decode(entry.sealed_question, validate=True)
        except (binascii.Error, ValueError):
            return None
        return self._keys.open_text(entry.namespace, "cache", "question", blob)

    # -- lookups -----------------------------------------------------------------------
    def exact(self, key: str, namespace: str, *, current: DocumentVersions | None = None) -> Match | None:
        """The entry stored under `key` in `namespace`, fresh or stale.

        With `current` (the index's documents now), an entry produced from a
        document that changed or is gone is not returned.
        """
        entry = self.backend.get(key)
        if entry is None or entry.namespace != namespace or self._outdated(entry, current):
            return None
        return Match(entry, fresh=entry.fresh_until > time.time())

    def semantic(
        self,
        namespace: str,
        vector: np.ndarray,
        features: QuestionFeatures,
        anchors: Sequence[str],
        *,
        question: str | None = None,
        current: DocumentVersions | None = None,
    ) -> tuple[Match | None, Match | None]:
        """The best fresh match and the best stale match (either may be None); see the module docstring.

        `question` is the (redacted) question asked; with the equivalence
        judge on, a candidate is only a match when both its stored question
        and this one are known and the judge accepts them. With `current`,
        a candidate produced from a changed or removed document is skipped.
        """
        cfg = self.semantic_settings
        if not cfg.enabled or not anchors:
            return None, None
        if self.gate is not None and not question:
            return None, None
        depth = cfg.anchor_depth
        mine = list(anchors)
        now = time.time()
        passed: list[Match] = []
        # With the judge the cosine floor is lower (the judge reads what passes), but the judge never decides
        # alone below it: same-topic questions that want different answers sit at cosine 0.5-0.68.
        threshold = cfg.judged_threshold if self.gate is not None else cfg.threshold
        q = np.asarray(vector, dtype=np.float32)
        qn = float(np.linalg.norm(q)) or 1.0
        opened: dict[int, str | None] = {}

        def stored_of(entry: CacheEntry) -> str | None:
            # Each candidate's sealed question is opened at most once per lookup, and only when needed.
            if id(entry) not in opened:
                opened[id(entry)] = self.open_question(entry) if self.gate is not None else None
            return opened[id(entry)]

        for entry in self.backend.candidates(namespace, mine[:depth], limit=cfg.max_candidates):
            if entry.vector is None or entry.features is None or not entry.anchors:
                continue
            if self._outdated(entry, current):
                continue
            # Retrieval agreement: the best passage of either question is among the other's top few.
            if mine[0] not in entry.anchors[:depth] and entry.anchors[0] not in mine[:depth]:
                continue
            sim = float(q @ entry.vector) / (qn * (float(np.linalg.norm(entry.vector)) or 1.0))
            # Typos cut MiniLM's cosine ("what percnt is the safe drivr discount" against the same question
            # spelt right: 0.58); two questions with one reading ask the same thing whatever the cosine.
            if sim < threshold and not self._one_reading(stored_of(entry), question):
                continue
            if not compare(features, entry.features).same_meaning and not self._mended_same(stored_of(entry), question):
                continue
            passed.append(Match(entry, fresh=entry.fresh_until > now, similarity=sim))
        best: dict[bool, Match] = {}
        judged: dict[bool, int] = {True: 0, False: 0}
        for match in sorted(passed, key=lambda m: -m.similarity):
            if match.fresh in best:
                continue
            if self.gate is not None:
                stored = stored_of(match.entry)
                if judged[match.fresh] >= cfg.judge_candidates or not stored:
                    continue
                judged[match.fresh] += 1
                if not self.gate.same_question(stored, question or ""):
                    continue
            best[match.fresh] = match
        return best.get(True), best.get(False)

    def _one_reading(self, stored: str | None, question: str | None) -> bool:
        """Whether the stored question and this one are the same words, typos mended (judge on only)."""
        if self.gate is None or not question or stored is None:
            return False
        return self.gate.same_reading(stored, question)

    def _mended_same(self, stored: str | None, question: str | None) -> bool:
        """Whether the rules find no difference once typos between the two texts are mended (judge on only)."""
        if self.gate is None or not question:
            return False
        mended = self.gate.mend(stored, question) if stored else None
        if mended is None:
            return False
        return compare(question_features(mended[1]), question_features(mended[0])).same_meaning

    # -- writes ------------------------------------------------------------------------
    def stamps(self) -> tuple[float, float, float]:
        """``(created, fresh_until, stale_until)`` for an entry stored now."""
        now = time.time()
        return now, now + self.ttl_s, now + self.ttl_s + self.stale_grace_s

    def put(self, entry: CacheEntry) -> None:
        """Store `entry`."""
        self.backend.put(entry)

    def _outdated(self, entry: CacheEntry, current: DocumentVersions | None) -> bool:
        """Whether `entry` came from a document version that is no longer current; if so it is deleted.

        A concurrent request may have just stored a new answer under the same
        key: deleting that one too costs one miss, never a wrong answer.
        """
        if current is None or current.admits(entry):
            return False
        if isinstance(self.backend, DeletesEntries):
            self.backend.delete(entry.key)
        return True

    def invalidate_documents(self, doc_ids: Iterable[str]) -> int:
        """Drop every entry whose answer depends on one of `doc_ids`; returns how many."""
        return drop_dependents(self.backend, doc_ids)

    def clear(self) -> None:
        """Drop everything."""
        self.backend.clear()

    def close(self) -> None:
        """Release the backend."""
        self.backend.close()


def dependency(doc_id: str) -> str:
    """The hashed form of a document id as entries record it (not namespaced: a document is global)."""
    return digest("doc", doc_id)[:24]


def document_version(doc_id: str, content: str) -> str:
    """The hashed form of one version of a document as entries record it.

    `content` is whatever the index says changes with the document's indexed
    text (for a ragfort index, its file's sha256 and its visibility).
    """
    return digest("docv", doc_id, content)[:24]


class DocumentVersions:
    """The versions of an index's documents as they are now, in the hashed form entries record.

    Built once per change of the index (the cache layer keeps one while the
    mapping it was built from is the one the index hands out).

    Args:
        contents: each document's content version by id, as the index reports them.
    """

    def __init__(self, contents: Mapping[str, str]) -> None:
        self.contents = contents
        self._by_doc = {doc_id: document_version(doc_id, c) for doc_id, c in contents.items()}
        # A passage whose document the index does not list (a chain that renames its documents)
        # ties the answer to the whole corpus as it is now: any change to the index then outdates it.
        self._corpus = digest("corpus", *itertools.chain.from_iterable(sorted(contents.items())))[:24]
        self._current = frozenset(self._by_doc.values()) | {self._corpus}

    def of(self, doc_ids: Iterable[str]) -> tuple[str, ...]:
        """The versions an answer produced now from the documents `doc_ids` depends on, for its entry."""
        return tuple(sorted({self._by_doc.get(doc_id, self._corpus) for doc_id in doc_ids}))

    def admits(self, entry: CacheEntry) -> bool:
        """Whether every document version `entry` depends on is still current.

        An entry that names documents but no versions cannot be checked, so it is not admitted.
        """
        if entry.deps and not entry.versions:
            return False
        return all(v in self._current for v in entry.versions)


def drop_dependents(backend: CacheBackend, doc_ids: Iterable[str]) -> int:
    """Drop from `backend` every entry whose answer depends on one of `doc_ids`; returns how many.

    An entry depends on every document its answer was produced from (the
    passages it saw, cited or not), in every namespace and for every tenant.
    """
    return backend.drop_documents(dependency(d) for d in doc_ids)
