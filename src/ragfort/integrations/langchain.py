"""The guarded pipeline as a LangChain `Runnable`: `HardenedRunnable`.

Everything LangChain-specific lives in this package. The core works on
ragfort types (`Turn`, `Passage`); `ragfort.integrations.convert` turns the
user's chain output into them, `ragfort.integrations.opaque` adapts a chain
that retrieves and generates in one call, and this module wraps the
`Pipeline` in `HardenedRunnable`, a real `Runnable`: invoke, ainvoke, batch,
abatch, stream and astream work, callbacks and config propagate to the
wrapped chain as child runs, and ``|`` composes (returning new objects).

Input: a question string, or a dict with the question under ``question_key``
and optionally ragfort's own request options ``session_id`` and
``budget_ms``; every other key reaches the chain unchanged (see
`ragfort.integrations.opaque`). The conversion helpers are re-exported here
for existing imports.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import ensure_config, patch_config

from ragfort import _loops
from ragfort.budget import Budget
from ragfort.context import Layer, RunContext
from ragfort.errors import InputError
from ragfort.integrations.convert import (
    ANSWER_KEYS,
    DOCUMENT_KEYS,
    MAX_ID_CHARS,
    MAX_METADATA_CHARS,
    VISIBILITY_KEY,
    extract_output,
    message_list,
    passage_from_document,
    passage_to_document,
    plain_text,
)
from ragfort.integrations.opaque import CallerInput, opaque_steps
from ragfort.integrations.retriever import Retriever, retriever_steps
from ragfort.pipeline import ChainSteps, Pipeline, StepsProvider
from ragfort.policy import Policy
from ragfort.streaming import STREAM_SINK, StreamState, tail_chunks
from ragfort.trace import TraceSink, trace_record
from ragfort.types import AnswerChunk, GuardedAnswer, Turn

__all__ = [
    "ANSWER_KEYS",
    "DOCUMENT_KEYS",
    "MAX_ID_CHARS",
    "MAX_METADATA_CHARS",
    "REQUEST_KEYS",
    "VISIBILITY_KEY",
    "HardenedRunnable",
    "extract_output",
    "passage_from_document",
    "passage_to_document",
    "plain_text",
]

REQUEST_KEYS = ("session_id", "budget_ms")  # ragfort's own input options; never passed to the chain


# -- the Runnable --------------------------------------------------------------
class HardenedRunnable(Runnable[Any, GuardedAnswer]):
    """A RAG chain wrapped in a policy's guards; returns `GuardedAnswer`.

    Build it with `ragfort.harden`. Input is a question string or a dict with
    the question (``question`` by default) and optionally ``session_id`` and
    ``budget_ms``; the dict's other keys (``chat_history``, ``messages``, ...)
    reach the chain unchanged. ``config["configurable"]`` may carry
    ``tenant``, ``session_id`` and ``budget_ms`` too.

    With `retriever` (the retriever the chain uses inside), a chain that is
    not a `StepsProvider` gets a real retrieve step before it
    (`ragfort.integrations.retriever`); `embed_question` then also embeds
    the search text for the semantic cache.
    """

    def __init__(
        self,
        chain: Runnable[Any, Any],
        policy: Policy,
        *,
        budget: Budget | None = None,
        question_key: str = "question",
        answer_key: str | None = None,
        documents_key: str | None = None,
        layers: Sequence[Layer] = (),
        trace_sink: TraceSink | None = None,
        tenant: str = "default",
        retriever: Retriever | None = None,
        embed_question: bool = False,
    ) -> None:
        if not isinstance(chain, Runnable):
            raise TypeError(f"harden() needs a LangChain Runnable, got {type(chain).__name__}")
        self.chain = chain
        self.policy = policy
        self.budget = budget if budget is not None else policy.budget
        self.question_key = question_key
        self.answer_key = answer_key
        self.documents_key = documents_key
        self.layers = tuple(layers)
        self.trace_sink = trace_sink
        self.tenant = tenant
        if retriever is not None and not isinstance(retriever, Runnable):
            raise TypeError(f"retriever= needs a LangChain retriever or Runnable, got {type(retriever).__name__}")
        self.retriever = retriever
        self.embed_question = embed_question
        keys: dict[str, Any] = {"question_key": question_key, "answer_key": answer_key, "documents_key": documents_key}
        steps: ChainSteps
        if isinstance(chain, StepsProvider):
            steps = chain.ragfort_steps(policy)
        elif retriever is not None:
            steps = retriever_steps(chain, retriever, policy, embed=embed_question, **keys)
        else:
            steps = opaque_steps(chain, **keys)
        self.pipeline = Pipeline(policy, steps, layers=self.layers)

    # -- copies (composition never mutates) ---------------------------------
    def _copy(self, **changes: Any) -> HardenedRunnable:
        kwargs: dict[str, Any] = {
            "budget": self.budget,
            "question_key": self.question_key,
            "answer_key": self.answer_key,
            "documents_key": self.documents_key,
            "layers": self.layers,
            "trace_sink": self.trace_sink,
            "tenant": self.tenant,
            "retriever": self.retriever,
            "embed_question": self.embed_question,
        }
        chain = changes.pop("chain", self.chain)
        policy = changes.pop("policy", self.policy)
        kwargs.update(changes)
        return HardenedRunnable(chain, policy, **kwargs)

    def with_budget(self, total_ms: float | None) -> HardenedRunnable:
        """A copy whose total latency budget is `total_ms`."""
        return self._copy(budget=self.budget.with_total(total_ms))

    def with_policy(self, policy: Policy) -> HardenedRunnable:
        """A copy guarded by another policy."""
        return self._copy(policy=policy)

    def with_layers(self, *layers: Layer) -> HardenedRunnable:
        """A copy with extra layers (after the input gate, before retrieval)."""
        return self._copy(layers=self.layers + tuple(layers))

    # -- request parsing -----------------------------------------------------
    def _context(self, input: Any, config: RunnableConfig | None) -> tuple[Turn, RunContext]:
        configurable = dict(ensure_config(config).get("configurable") or {})
        session_id = configurable.get("session_id")
        budget_ms = configurable.get("budget_ms")
        extra: dict[str, Any] = {}
        conversation: tuple[str, Sequence[Any], Sequence[BaseMessage], int | None] | None = None
        question: Any
        if isinstance(input, str):
            question = input
        elif isinstance(input, Mapping):
            extra = {k: v for k, v in input.items() if k != self.question_key and k not in REQUEST_KEYS}
            if self.question_key not in input:
                raise InputError(f"input has no {self.question_key!r} key (keys: {sorted(map(str, input))!r})")
            question = input[self.question_key]
            messages = message_list(question)
            if messages is not None:
                # A conversation (LangGraph's {"messages": [...]}): its last human message is the question.
                at = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].type == "human"), None)
                if at is None:
                    raise InputError(f"{self.question_key!r} holds messages but no human message to answer")
                conversation = (self.question_key, question, messages, at)
                question = messages[at]
            session_id = input.get("session_id", session_id)
            budget_ms = input.get("budget_ms", budget_ms)
        else:
            raise InputError(f"input must be a question string or a dict, got {type(input).__name__}")
        if not isinstance(question, (str, bytes, BaseMessage)):
            raise InputError(f"the question must be a non-empty string, got {question!r}")
        question = plain_text(question, "the question", error=InputError)
        if not question.strip():
            raise InputError(f"the question must be a non-empty string, got {question!r}")
        if session_id is not None and not isinstance(session_id, str):
            raise InputError(f"session_id must be a string, got {session_id!r}")
        budget = self.budget
        if budget_ms is not None:
            try:
                budget = budget.with_total(budget_ms)
            except (TypeError, ValueError) as exc:
                raise InputError(str(exc)) from None
        ctx = RunContext(
            budget=budget,
            tenant=str(configurable.get("tenant", self.tenant)),
            session_id=session_id,
        )
        if "trace_id" in configurable:
            ctx.trace_id = str(configurable["trace_id"])
        if "variant" in configurable:
            ctx.variant = str(configurable["variant"])
        if not extra and conversation is None:
            return Turn(question=question), ctx
        lists = [(k, v, messages, None) for k, v in extra.items() if (messages := message_list(v)) is not None]
        caller = CallerInput(extra=extra, lists=(*lists, *([conversation] if conversation else [])))
        ctx.state.chain_input = caller
        return Turn(question=question, history=caller.history()), ctx

    async def _arun(self, input: Any, config: RunnableConfig | None, *, sync: bool) -> GuardedAnswer:
        turn, ctx = self._context(input, config)
        ctx.state.config = config
        ctx.state.sync = sync
        sink = STREAM_SINK.get()
        if sink is not None:
            STREAM_SINK.set(None)  # this run streams; chains it calls (even guarded ones) do not
            pipeline = self.pipeline
            ctx.state.partial = StreamState(sink, lambda t: pipeline.check_partial(t, ctx)).partial
        result = await self.pipeline.run(turn, ctx)
        if self.trace_sink is not None:
            self.trace_sink.write(trace_record(result, ctx, self.policy))
        return result

    # -- Runnable protocol ---------------------------------------------------
    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> GuardedAnswer:
        return self._call_with_config(self._invoke_with_manager, input, config, run_type="chain", **kwargs)

    def _invoke_with_manager(
        self,
        input: Any,
        run_manager: CallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> GuardedAnswer:
        child = patch_config(config, callbacks=run_manager.get_child())
        result: GuardedAnswer = _loops.run_sync(lambda: self._arun(input, child, sync=True))
        return result

    async def ainvoke(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> GuardedAnswer:
        return await self._acall_with_config(self._ainvoke_with_manager, input, config, run_type="chain", **kwargs)

    async def _ainvoke_with_manager(
        self,
        input: Any,
        run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> GuardedAnswer:
        child = patch_config(config, callbacks=run_manager.get_child())
        return await self._arun(input, child, sync=False)

    def stream(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Yield the answer as `AnswerChunk`s, each after the guards passed it, then the `GuardedAnswer`.

        See `ragfort.streaming`: with a generator that streams, sentences
        arrive while the rest is still being generated.
        """
        # astream runs on a loop of its own in a worker thread; leaving early cancels the request.
        yield from _loops.iterate_in_thread(lambda: self.astream(input, config, **kwargs))

    async def astream(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        chunks: asyncio.Queue[Any] = asyncio.Queue()
        shown: list[str] = []

        async def sink(chunk: AnswerChunk) -> None:
            await chunks.put(chunk)

        async def run() -> GuardedAnswer:
            try:
                return await self.ainvoke(input, config, **kwargs)
            finally:
                await chunks.put(_END)

        token = STREAM_SINK.set(sink)
        try:
            task = asyncio.ensure_future(run())  # the task copies the context, sink included
        finally:
            STREAM_SINK.reset(token)
        try:
            while (item := await chunks.get()) is not _END:
                shown.append(item.text)
                yield item
            result = await task
            for chunk in tail_chunks(result.answer, "".join(shown)):
                yield chunk
            yield result
        finally:
            if not task.done():  # the consumer left early: stop the request
                task.cancel()

    @property
    def InputType(self) -> Any:  # noqa: N802 - LangChain's name
        return dict[str, Any]

    @property
    def OutputType(self) -> Any:  # noqa: N802 - LangChain's name
        return GuardedAnswer

    def __repr__(self) -> str:
        return f"HardenedRunnable(policy={self.policy.name!r}, chain={type(self.chain).__name__})"


_END = object()

