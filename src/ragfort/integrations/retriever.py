"""A wrapped chain together with the retriever it uses inside: a real retrieve step before the chain.

`harden(chain, retriever=r)` adapts the chain with `retriever_steps`
instead of `opaque_steps`:

- **retrieve** runs `r` (any LangChain retriever, or a Runnable taking the
  question string and returning `Document`s) on the redacted question without
  its placeholders (`ragfort.text.search_text`, as the default chain
  searches), with the request's LangChain config so callbacks see it as a
  child run. Under a sync ``invoke`` it is called in place; otherwise through
  its async API (LangChain runs a sync-only retriever in its executor, off the
  event loop). The text searched goes to ``ctx.state.search_text``; with
  ``embed=True`` (the answer cache's semantic lookup is on) it is also
  embedded with ragfort's default embedder (MiniLM) into
  ``ctx.state.question_vector``, except for a follow-up (the semantic cache
  serves questions without history only). The pipeline then runs the retrieval gate on
  these passages before any LLM call (an off-topic question abstains without
  calling the chain), and the semantic cache anchors on their chunk ids.
- **generate** calls the wrapped chain whole, exactly as `opaque_steps` does;
  its answer and the documents it reports win. When those are the passages
  the retrieve step found, the turn keeps them in the form the retrieval gate
  left them (PII redacted, flagged passages removed); when they differ, the
  retrieval guards check the chain's documents too, as they do for an opaque
  chain; when the chain reports none, the retriever's passages stay.

There is no ``extract`` step: ragfort cannot answer from a foreign chain's
passages, so ``budget.on_timeout`` works as for an opaque chain.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeAlias

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableConfig

from ragfort import _loops
from ragfort.context import RunContext
from ragfort.embeddings import get_embedder
from ragfort.errors import ChainError
from ragfort.integrations.convert import distinct_passages, passage_from_document
from ragfort.integrations.opaque import opaque_steps
from ragfort.pipeline import ChainSteps, gate_before
from ragfort.policy import Policy
from ragfort.text import search_text
from ragfort.types import Passage, Stage, Turn

__all__ = ["Retriever", "retriever_steps"]

Retriever: TypeAlias = Runnable[str, Sequence[Document]]
"""What ``harden(retriever=...)`` takes: a LangChain retriever (a `BaseRetriever` is one) or any such Runnable."""

# The passages the retrieve step found, before the retrieval gate (a key of ctx.extras this module owns).
_FOUND = "retriever.found"


def retriever_steps(
    chain: Runnable[Any, Any],
    retriever: Retriever,
    policy: Policy,
    *,
    question_key: str,
    answer_key: str | None,
    documents_key: str | None,
    embed: bool = False,
) -> ChainSteps:
    """Steps for `chain`, which retrieves with `retriever` inside: retrieve first, then the chain whole.

    Args:
        chain: the wrapped chain (called as `opaque_steps` calls it).
        retriever: the retriever the chain uses, taking the question string.
        policy: the policy, whose retrieval guards check documents the chain
            reports that the retrieve step did not find.
        question_key, answer_key, documents_key: as for `opaque_steps`.
        embed: embed the search text into ``ctx.state.question_vector`` (for
            the semantic cache); off, no embedding is computed.

    The retriever gets the question alone, never the conversation: a chain
    whose retriever reads the history (a history-aware retriever) should be
    wrapped without it.
    """
    whole = opaque_steps(chain, question_key=question_key, answer_key=answer_key, documents_key=documents_key).generate
    guards = policy.guards.get(Stage.RETRIEVAL, ())
    recheck = gate_before(Stage.RETRIEVAL, guards, policy.messages, timing="retrieval")(_unchanged)

    async def retrieve(turn: Turn, ctx: RunContext) -> Turn:
        query = search_text(turn.question)
        config: RunnableConfig | None = ctx.state.config
        with ctx.timed("retrieval"):
            try:
                if ctx.state.sync:
                    docs = retriever.invoke(query, config)
                else:
                    docs = await _loops.call(lambda: retriever.ainvoke(query, config))
            except Exception as exc:
                raise ChainError(f"the retriever failed: {type(exc).__name__}: {exc}") from exc
            found = _passages(docs)
            ctx.state.search_text = query
            if embed and not turn.history:  # a follow-up gets exact cache hits only: no vector needed
                encode = get_embedder().encode_one
                ctx.state.question_vector = encode(query) if ctx.state.sync else await asyncio.to_thread(encode, query)
        ctx.extras[_FOUND] = found
        return turn.evolve(documents=found)

    async def generate(turn: Turn, ctx: RunContext) -> Turn:
        out = await whole(turn, ctx)
        if not out.documents or out.documents == ctx.extras.get(_FOUND):
            # The chain reports no documents, or the ones retrieve found: keep them as the retrieval gate left them.
            return out.evolve(documents=turn.documents)
        return await recheck(out, ctx)

    return ChainSteps(generate=generate, retrieve=retrieve)


def _passages(docs: Any) -> tuple[Passage, ...]:
    """The retriever's documents as passages (repeats dropped, colliding ids made distinct)."""
    if isinstance(docs, (str, bytes)) or not isinstance(docs, Sequence):
        raise ChainError(f"the retriever returned a {type(docs).__name__}, expected a list of Documents")
    return tuple(distinct_passages([passage_from_document(d, i) for i, d in enumerate(docs)]))


async def _unchanged(turn: Turn, ctx: RunContext) -> Turn:
    return turn
