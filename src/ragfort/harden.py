"""`harden()`: the one call that wraps a LangChain RAG chain in a policy."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.runnables import Runnable

from ragfort.cache import AnswerCache, CacheSettings, build_cache
from ragfort.cache.keys import IndexVersion
from ragfort.cache.layer import CacheLayers
from ragfort.context import Layer
from ragfort.index.store import Index
from ragfort.integrations.langchain import HardenedRunnable
from ragfort.integrations.retriever import Retriever
from ragfort.policy import Policy, load_policy
from ragfort.trace import JsonlTraceSink, TraceSink

__all__ = ["cache_layers", "harden"]


def harden(
    chain: Runnable[Any, Any],
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy | None = None,
    *,
    budget_ms: float | None = None,
    question_key: str = "question",
    answer_key: str | None = None,
    documents_key: str | None = None,
    tenant: str = "default",
    trace_dir: str | os.PathLike[str] | None = None,
    trace_sink: TraceSink | None = None,
    layers: Sequence[Layer] = (),
    cache: AnswerCache | CacheSettings | Mapping[str, Any] | bool | None = None,
    retriever: Retriever | None = None,
) -> HardenedRunnable:
    """Wrap `chain` so every call runs through the policy's guards.

    Args:
        chain: any Runnable that takes ``{"question": str}`` and returns a dict
            with the answer and the retrieved Documents.
        policy: a policy file, a shipped policy name (``"support_agent"``), a
            mapping, a `Policy`, or None for ``passthrough``.
        budget_ms: overrides the policy's total latency budget.
        question_key: the chain's input key.
        answer_key: the answer's key in the chain's output (found by convention when None).
        documents_key: the documents' key (found by convention when None).
        tenant: the tenant when a request's config names none.
        trace_dir: write one JSON line per request there (never raw personal data).
        trace_sink: or any object with ``write(record)``.
        layers: extra pipeline layers, run after the input gate.
        cache: an `AnswerCache`, cache settings (a mapping or `CacheSettings`),
            False for no cache, or None for the policy's ``cache:`` section.
        retriever: the retriever `chain` uses inside (a LangChain retriever, or a
            Runnable from the question string to Documents). ragfort then runs it
            first, on the redacted question: the retrieval gate checks its passages
            before the chain is called, and the semantic cache can match paraphrases
            that retrieve the same chunks (without it, a wrapped chain gets exact
            hits only). Ignored for a chain with steps of its own (`build_chain`).

    Returns:
        A Runnable whose result is a `GuardedAnswer`.
    """
    pol = load_policy(policy)
    answer_cache = _cache(cache, pol)
    if answer_cache is not None:
        layers = (*cache_layers(answer_cache, chain=chain, policy=pol), *layers)
    sink = trace_sink
    if sink is None and trace_dir is not None:
        sink = JsonlTraceSink(trace_dir)
    runnable = HardenedRunnable(
        chain,
        pol,
        question_key=question_key,
        answer_key=answer_key,
        documents_key=documents_key,
        layers=layers,
        trace_sink=sink,
        tenant=tenant,
        retriever=retriever,
        embed_question=answer_cache is not None and answer_cache.semantic_settings.enabled,
    )
    return runnable.with_budget(budget_ms) if budget_ms is not None else runnable


def _cache(
    cache: AnswerCache | CacheSettings | Mapping[str, Any] | bool | None, policy: Policy
) -> AnswerCache | None:
    if cache is False:
        return None
    if isinstance(cache, AnswerCache):
        return cache
    settings: CacheSettings
    if isinstance(cache, CacheSettings):
        settings = cache
    elif isinstance(cache, Mapping):
        settings = CacheSettings.model_validate(dict(cache))
    elif policy.cache is not None:  # None or True: the policy's section, validated when it loaded
        settings = policy.cache
    else:  # no section: True means the defaults
        return build_cache(CacheSettings()) if cache is True else None
    return build_cache(settings) if settings.enabled else None


def cache_layers(cache: AnswerCache, *, chain: Any, policy: Policy) -> tuple[Layer, ...]:
    """The cache layers for `chain` under `policy` (model id and index read from the chain)."""
    index = getattr(chain, "index", None)
    version: Callable[[], str]
    documents: Callable[[], Mapping[str, str]] | None = None
    if isinstance(index, Index):
        ragfort_index = index

        # Keys move only with the index's structure (embedder, schema, corpus transform); content is
        # checked per document on every hit instead. The index re-reads its manifest when it changes
        # (a stat locally, a poll on a Chroma server), so an ingest by any process is seen.
        def version() -> str:
            return ragfort_index.structure

        def versions() -> Mapping[str, str]:
            return ragfort_index.document_versions

        documents = versions
    else:
        path = getattr(index, "path", None)
        version = IndexVersion(path) if path is not None else (lambda: "")
    name = chain.get_name() if callable(getattr(chain, "get_name", None)) else ""
    model_id = str(getattr(chain, "model_id", "") or f"{type(chain).__name__}:{name}")
    layers = CacheLayers(
        cache, policy_fingerprint=policy.fingerprint, model_id=model_id, index_version=version, documents=documents
    )
    return layers.layers()
