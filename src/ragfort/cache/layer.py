"""The cache as pipeline layers: exact lookup after the input gate, semantic after retrieval.

`CacheLayers` builds two layers around one `AnswerCache`:

- ``exact`` sits after the input gate, so it only sees the redacted question.
  On a fresh hit it sets ``ctx.cache = EXACT_HIT`` and returns the stored
  turn; otherwise it runs the rest of the pipeline and stores the result if
  the request completed normally (not stopped, no fallback, no skipped
  guard, nothing degraded).
- ``semantic`` sits after retrieval and the retrieval gate (it is an
  `AfterRetrieval` layer). It reuses the question vector
  the retriever computed and the retrieved chunk ids, and asks the cache for
  a semantic match (see `ragfort.cache.store`; with the equivalence judge
  on, entries keep the redacted question sealed and the judge reads both). On a fresh match it sets
  ``ctx.cache = SEMANTIC_HIT``. Chains that retrieve and generate in one
  opaque call get the exact cache only, unless ``harden(chain, retriever=...)``
  names their retriever (`ragfort.integrations.retriever`): then they have a
  retrieve step and semantic hits too.

A stale entry found by either lookup is offered to the latency-budget
fallback through ``ctx.state.stale``; it is served only if generation
runs out of time and the policy's ``budget.on_timeout`` puts
``stale_cache`` first.

When the chain's index reports its documents' versions, every entry
records the versions of the documents its answer came from, and no lookup
(exact, semantic, or the stale entry offered to the fallback) returns one
whose documents changed or are gone since: a re-ingest by any process is
seen, whichever backend holds the entry. Keys then move only when the
index's structure does (the ``index_version`` callable says which).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np

from ragfort.cache.entry import CacheEntry
from ragfort.cache.features import question_features
from ragfort.cache.keys import anchor, exact_key, namespace
from ragfort.cache.store import AnswerCache, DocumentVersions, Match, dependency
from ragfort.context import AfterRetrieval, Handler, Layer, RunContext
from ragfort.types import Action, CacheStatus, Turn

__all__ = ["CacheLayers"]


class CacheLayers:
    """The exact and semantic cache layers for one wrapped chain.

    Args:
        cache: the answer cache.
        policy_fingerprint: the policy's fingerprint (answers never cross policies).
        model_id: identifies the generator (answers never cross models).
        index_version: returns what keys are scoped to about the index: its structure when
            `documents` is given, else a version that changes with its content.
        documents: returns each document's current content version by id (any string that
            changes when the indexed text does), the same mapping object until the index
            changes; None when the index keeps none (then only `index_version` scopes answers).
    """

    def __init__(
        self,
        cache: AnswerCache,
        *,
        policy_fingerprint: str,
        model_id: str,
        index_version: Callable[[], str] = lambda: "",
        documents: Callable[[], Mapping[str, str]] | None = None,
    ) -> None:
        self.cache = cache
        # A new equivalence model or minimum changes what a semantic lookup serves: new keys.
        gate = cache.gate_version
        self.policy_fingerprint = f"{policy_fingerprint}|{gate}" if gate else policy_fingerprint
        self.model_id = model_id
        self.index_version = index_version
        self.documents = documents
        self._versions: DocumentVersions | None = None

    def layers(self) -> tuple[Layer, ...]:
        """``(exact, semantic)``, ready for `harden(layers=...)`."""
        return (self.exact, AfterRetrieval(self.semantic))

    def current_versions(self) -> DocumentVersions | None:
        """The index's document versions now (rebuilt only when the index hands out a new mapping)."""
        if self.documents is None:
            return None
        contents = self.documents()
        known = self._versions
        if known is None or known.contents is not contents:
            known = self._versions = DocumentVersions(contents)
        return known

    # -- exact ---------------------------------------------------------------------------
    def exact(self, next_: Handler) -> Handler:
        """The exact-match layer (after the input gate)."""

        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            t0 = time.perf_counter()
            ns = namespace(
                tenant=ctx.tenant,
                policy_fingerprint=self.policy_fingerprint,
                index_version=self.index_version(),
                model_id=self.model_id,
            )
            key = exact_key(ns, turn.question, history=[(m.role, m.content) for m in turn.history])
            ctx.state.cache_scope = (ns, key)
            # Taken before retrieval, so an answer stored below records versions no newer than the text it
            # came from: a re-ingest during the request outdates it early, never late.
            current = self.current_versions()
            match = self.cache.exact(key, ns, current=current)
            _add_time(ctx, t0)
            if match is not None and match.fresh:
                ctx.cache = CacheStatus.EXACT_HIT
                return match.entry.apply(turn)
            if match is not None:
                _offer_stale(ctx, match, CacheStatus.EXACT_HIT)
            result = await next_(turn, ctx)
            if _storable(result, ctx):
                t1 = time.perf_counter()
                self.cache.put(self._entry(result, ctx, ns, key, current))
                _add_time(ctx, t1)
            return result

        return handle

    # -- semantic ------------------------------------------------------------------------
    def semantic(self, next_: Handler) -> Handler:
        """The semantic layer (after retrieval and the retrieval gate)."""

        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            scope = ctx.state.cache_scope
            vector = ctx.state.question_vector
            if scope is None or not isinstance(vector, np.ndarray) or ctx.cache is not CacheStatus.MISS:
                return await next_(turn, ctx)
            if turn.history:
                # A follow-up means what its conversation makes it mean: exact hits only (they key on the history).
                return await next_(turn, ctx)
            t0 = time.perf_counter()
            ns, _ = scope
            features = question_features(turn.question)
            anchors = tuple(anchor(ns, p.chunk_id or p.doc_id) for p in turn.documents)
            ctx.state.cache_probe = (vector, features, anchors)
            fresh, stale = self.cache.semantic(
                ns, vector, features, anchors, question=turn.question, current=self.current_versions()
            )
            _add_time(ctx, t0)
            if fresh is not None:
                ctx.cache = CacheStatus.SEMANTIC_HIT
                return fresh.entry.apply(turn)
            if stale is not None and ctx.state.stale is None:
                _offer_stale(ctx, stale, CacheStatus.SEMANTIC_HIT)
            return await next_(turn, ctx)

        return handle

    # -- storing -------------------------------------------------------------------------
    def _entry(self, turn: Turn, ctx: RunContext, ns: str, key: str, current: DocumentVersions | None) -> CacheEntry:
        seen = ctx.state.cache_probe
        if seen is not None:
            vector, features, anchors = seen
        else:  # opaque chain: exact-only entry
            vector, features = None, None
            anchors = tuple(anchor(ns, p.chunk_id or p.doc_id) for p in turn.documents)
        created, fresh_until, stale_until = self.cache.stamps()
        return CacheEntry(
            key=key,
            namespace=ns,
            created=created,
            fresh_until=fresh_until,
            stale_until=stale_until,
            answer=turn.answer or "",
            citations=turn.citations,
            claims=turn.claims,
            groundedness=turn.groundedness,
            documents=turn.documents,
            vector=vector,
            features=features,
            anchors=anchors,
            deps=tuple(sorted({dependency(p.doc_id) for p in turn.documents})),
            versions=() if current is None else current.of(p.doc_id for p in turn.documents),
            # The redacted question (the layer sits after the input gate), sealed, for the equivalence judge only.
            sealed_question=self.cache.seal_question(ns, turn.question)
            if self.cache.keeps_questions and vector is not None
            else None,
        )


def _storable(turn: Turn, ctx: RunContext) -> bool:
    """Only answers that went through every guard, unhurried, are worth serving again."""
    return (
        ctx.cache is CacheStatus.MISS
        and ctx.stopped is None
        and not ctx.state.fallback
        and not ctx.degraded
        and not any(v.action is Action.SKIP for v in ctx.verdicts)
        and bool(turn.answer)
    )


def _offer_stale(ctx: RunContext, match: Match, status: CacheStatus) -> None:
    def serve(turn: Turn) -> Turn:
        ctx.cache = status
        return match.entry.apply(turn)

    ctx.state.stale = serve


def _add_time(ctx: RunContext, t0: float) -> None:
    ctx.timings_ms["cache"] = ctx.timings_ms.get("cache", 0.0) + (time.perf_counter() - t0) * 1000.0
