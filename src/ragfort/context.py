"""The run context: per-request state that travels beside the turn.

A `RunContext` is created once per request and handed to every layer and
guard. It carries who is asking (tenant, session), the deadline derived from
the `Budget`, the trace id, stage timings, the verdicts and redactions
collected so far, the typed `RequestState` that ragfort's own layers share
(the question vector, the cache's stale offer, the regeneration in progress,
...), and an `extras` dict where other guards keep their own per-request work
(the PII guard's session mapping, a third-party guard's scratch) under keys
they own. Unlike turns it is mutable, and it never outlives its request.

`Handler` and `Layer`, the two shapes every pipeline part has, are defined
here too, so that a layer (the cache, a user's) needs nothing above this
module to be written.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ragfort.budget import Budget
from ragfort.types import Action, CacheStatus, Passage, Redaction, Turn, Verdict

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ragfort.text import CorpusVocabulary

__all__ = ["AfterRetrieval", "Handler", "Layer", "RequestState", "RunContext", "SentenceVectors"]

SentenceVectors = Callable[[Sequence[Passage]], "list[npt.NDArray[np.float32] | None]"]
"""Per-passage sentence vectors (None for a passage without them), from the index that retrieved the passages."""


@dataclass(slots=True, eq=False)
class RequestState:
    """What ragfort's own layers share during one request, typed.

    The pipeline and the chain adapters write it; guards read it. Nothing here
    outlives the request, and nothing here is personal data in the clear
    beyond what the turn itself holds (the question vector is of the redacted
    question).

    Attributes:
        config: the LangChain config for child runs (callbacks, tags), or None.
        sync: the request runs under a sync ``invoke``: direct calls are fine.
        question_vector: the question's embedding, when retrieval made one.
        search_text: the text the relevance guard's judge reads, when ragfort
            retrieved: what retrieval searched on (the redacted question
            without its placeholders, or an LLM's standalone rewrite of a
            follow-up); the question itself for a follow-up the no-LLM rule
            also searched joined to the conversation.
        sentence_vectors: gives the retrieved passages' sentence vectors
            (computed at ingest), when the index can.
        unknown_names: reads, on demand, the names the customer's question
            typed that the corpus never uses (`ragfort.guards.names`; None
            when the corpus's words cannot be read), when ragfort retrieved;
            None otherwise. Only a relevance guard with
            ``unknown_name_min_answerable`` set asks.
        vocabulary: reads, on demand, the corpus's words, word pairs and
            capitalised names (`ragfort.pii.vocabulary`; None when they cannot
            be read), when ragfort's own index retrieves; None otherwise. The
            PII guard asks at the input stage, so that "cover max" in a
            question is read as the help center's product, not a person.
        reading_context: the conversation (customer's side and question, as
            searched) that the extractive generator weighs in beside a question
            asked after it that does not read as a follow-up; None otherwise.
        stale: serves the turn from a stale cache entry; offered by the cache
            layer, used only by the ``stale_cache`` fallback.
        can_regenerate: the generator can write the answer again (an LLM, not
            the extractive generator, and not a fallback answer).
        regenerating: the reasons the first answer failed (its unsupported
            claims) while the second try runs; empty on the first.
        fallback: the answer is a fallback (the result's status is ``fallback``).
        partial: while streaming, checks and shows the complete sentences of
            an unfinished answer (a turn holding them); None when not streaming.
        final_turn: the turn before finalizers (redacted text only, what traces keep).
        chain_input: the caller's input around the question, in the chain
            integration's own shape, passed back to a wrapped chain.
        cache_scope: the cache namespace and exact key of this request.
        cache_probe: what the semantic cache lookup computed (vector,
            features, anchors), reused when the answer is stored.
    """

    config: Any = None
    sync: bool = False
    question_vector: np.ndarray | None = None
    search_text: str | None = None
    sentence_vectors: SentenceVectors | None = None
    unknown_names: Callable[[], tuple[str, ...] | None] | None = None
    vocabulary: Callable[[], CorpusVocabulary | None] | None = None
    reading_context: str | None = None
    stale: Callable[[Turn], Turn] | None = None
    can_regenerate: bool = False
    regenerating: tuple[str, ...] = ()
    fallback: bool = False
    partial: Callable[[Turn], Awaitable[None]] | None = None
    final_turn: Turn | None = None
    chain_input: Any = None
    cache_scope: tuple[str, str] | None = None
    cache_probe: tuple[Any, Any, tuple[str, ...]] | None = None


@dataclass(slots=True, eq=False)
class RunContext:
    """Per-request state. Create one per request; never share it between requests."""

    budget: Budget = field(default_factory=Budget)
    tenant: str = "default"
    session_id: str | None = None
    trace_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    variant: str | None = None
    started: float = field(default_factory=time.perf_counter)
    timings_ms: dict[str, float] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    redactions: list[Redaction] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)
    cache: CacheStatus = CacheStatus.MISS
    stopped: Action | None = None
    state: RequestState = field(default_factory=RequestState)
    extras: dict[str, Any] = field(default_factory=dict)

    # -- time ---------------------------------------------------------------
    @property
    def deadline(self) -> float | None:
        """`time.perf_counter()` value at which the total budget runs out, or None."""
        if self.budget.total_ms is None:
            return None
        return self.started + self.budget.total_ms / 1000.0

    def elapsed_ms(self) -> float:
        """Milliseconds since the request started."""
        return (time.perf_counter() - self.started) * 1000.0

    def remaining_ms(self) -> float | None:
        """Milliseconds left of the total budget (may be negative), or None if unlimited."""
        if self.budget.total_ms is None:
            return None
        return self.budget.total_ms - self.elapsed_ms()

    def stage_limit_ms(self, stage: str) -> float | None:
        """What a stage may spend: the smaller of its own part and what remains."""
        part = self.budget.part(stage)
        remaining = self.remaining_ms()
        if part is None:
            return remaining
        if remaining is None:
            return part
        return min(part, remaining)

    def expired(self) -> bool:
        """True once the total budget is spent."""
        remaining = self.remaining_ms()
        return remaining is not None and remaining <= 0

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Add the time spent in the block to `timings_ms[name]`."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings_ms[name] = self.timings_ms.get(name, 0.0) + (time.perf_counter() - t0) * 1000.0

    # -- records ------------------------------------------------------------
    def record(self, verdict: Verdict) -> None:
        """Keep a verdict for the result and the trace."""
        self.verdicts.append(verdict)

    def stop(self, action: Action) -> None:
        """End the request early: later layers pass the turn through untouched."""
        if self.stopped is None:
            self.stopped = action

    def degrade(self, what: str) -> None:
        """Note that part of the request was degraded to meet the budget."""
        if what not in self.degraded:
            self.degraded.append(what)


Handler = Callable[[Turn, RunContext], Awaitable[Turn]]
"""One step of the pipeline: takes the turn and the context, returns the next turn."""

Layer = Callable[[Handler], Handler]
"""Wraps the next handler (Starlette-style middleware); `ragfort.pipeline` composes them once."""


@dataclass(frozen=True, slots=True)
class AfterRetrieval:
    """A layer for the pipeline's slot after the retrieval gate, where it sees the retrieved passages.

    There ``ctx.state.question_vector`` is set too (when ragfort retrieved).
    The semantic cache sits here; plain layers go before retrieval.
    """

    layer: Layer

    def __call__(self, next_: Handler) -> Handler:
        return self.layer(next_)
