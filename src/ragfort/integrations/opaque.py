"""A chain that retrieves and generates in one call, as pipeline steps.

`opaque_steps` adapts any Runnable to `ChainSteps` with a generate step only:
its passages exist once it ran. Input: the question goes to the chain under
``question_key`` (after the input guards, so redacted); every other key the
caller gave (``chat_history``, ``messages``, ...) is passed on unchanged
(`CallerInput`). The question may be a conversation (a list of messages, as
a LangGraph graph takes ``{"messages": [...]}``): its last human message is
the question, and the chain gets the conversation back with that message's
text replaced by the guarded question.

While the request streams, the chain runs with ``astream`` and its growing
answer goes to the streaming guards; a graph (an ``astream`` taking
``stream_mode``) is streamed as whole states. A generation timeout raises
`GenerationFailed` for the pipeline's fallback layer.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import inspect
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.utils import AddableDict

from ragfort import _loops
from ragfort.context import RunContext
from ragfort.errors import ChainError, InputError
from ragfort.integrations.convert import (
    DOCUMENT_KEYS,
    distinct_passages,
    extract_output,
    last_ai_message,
    message_list,
    passage_from_document,
    plain_text,
    structured_answer,
)
from ragfort.pipeline import ChainSteps, GenerationFailed
from ragfort.streaming import SentenceFeed
from ragfort.types import HistoryMessage, Passage, Turn

__all__ = ["CallerInput", "opaque_steps"]


# -- the opaque chain as pipeline steps --------------------------------------
def opaque_steps(
    chain: Runnable[Any, Any],
    *,
    question_key: str,
    answer_key: str | None,
    documents_key: str | None,
) -> ChainSteps:
    """Steps for a chain that retrieves and generates in one call."""

    async def generate(turn: Turn, ctx: RunContext) -> Turn:
        config: RunnableConfig | None = ctx.state.config
        payload = _payload(ctx, question_key, turn)
        sent = message_list(payload.get("messages")) or ()
        limit = ctx.stage_limit_ms("generation")
        feed = SentenceFeed(turn, ctx)
        with ctx.timed("generation"):
            try:
                if limit is None and ctx.state.sync:
                    # No deadline: call straight through, no thread hop.
                    output = chain.invoke(payload, config)
                else:
                    timeout = None if limit is None else max(limit, 0.0) / 1000.0
                    call = (
                        _stream_chain(chain, payload, config, feed, answer_key, documents_key, sent)
                        if feed.active
                        else _loops.call(lambda: chain.ainvoke(payload, config))
                    )
                    output = await asyncio.wait_for(call, timeout)
            except TimeoutError:
                ctx.degrade("generation")
                # The pipeline's fallback layer serves budget.on_timeout (no passages: no extractive answer).
                raise GenerationFailed from None
            except ChainError:
                raise
            except Exception as exc:
                raise ChainError(f"the wrapped chain failed: {type(exc).__name__}: {exc}") from exc
        answer, passages = extract_output(
            output, answer_key=answer_key, documents_key=documents_key, sent_messages=sent
        )
        return turn.evolve(answer=answer, documents=tuple(passages))

    return ChainSteps(generate=generate)


def _payload(ctx: RunContext, question_key: str, turn: Turn) -> dict[str, Any]:
    """The chain's input: the caller's other keys, the guarded question, and the guarded history in its own shape."""
    caller: CallerInput | None = ctx.state.chain_input
    if caller is None:
        return {question_key: turn.question}
    return caller.payload(question_key, turn)


def _with_content(item: Any, text: str) -> Any:
    """`item` (a message, a (role, text) pair, a {"role", "content"} dict or a bare string) holding `text` instead."""
    if isinstance(item, BaseMessage):
        return item.model_copy(update={"content": text})
    if isinstance(item, tuple) and len(item) == 2:
        return (item[0], text)
    if isinstance(item, list) and len(item) == 2:
        return [item[0], text]
    if isinstance(item, Mapping) and "content" in item:
        return {**item, "content": text}
    return text


@dataclasses.dataclass(frozen=True)
class CallerInput:
    """The caller's input around the question, to pass on to the chain in its own shape.

    Every message list the caller gave (``chat_history``, ``messages``, or the
    question key itself holding a conversation) becomes `Turn.history`, so the
    input PII guard redacts it like the question and the cache keys on it; the
    chain then gets the same lists back, item for item, holding the redacted
    texts. Other keys pass unchanged.
    """

    extra: Mapping[str, Any]
    # Each message list: its key, the items as given, the same items as LangChain messages (converted once),
    # and the position of the question in it (the question key's own conversation) or None.
    lists: tuple[tuple[str, Sequence[Any], Sequence[BaseMessage], int | None], ...] = ()

    def history(self) -> tuple[HistoryMessage, ...]:
        """The earlier messages, in order (the question itself excluded)."""
        out = []
        for key, _, messages, at in self.lists:
            for i, message in enumerate(messages):
                if i != at:
                    text = plain_text(message, f"message {i} of {key!r}", error=InputError)
                    out.append(HistoryMessage(message.type, text))
        return tuple(out)

    def payload(self, question_key: str, turn: Turn) -> dict[str, Any]:
        """The chain's input, with `turn`'s (redacted) question and history in place of the caller's."""
        payload: dict[str, Any] = {**self.extra, question_key: turn.question}
        texts = iter(m.content for m in turn.history)
        for key, items, _, at in self.lists:
            payload[key] = [
                _with_content(item, turn.question if i == at else next(texts)) for i, item in enumerate(items)
            ]
        return payload


async def _stream_chain(
    chain: Runnable[Any, Any],
    payload: dict[str, Any],
    config: RunnableConfig | None,
    feed: SentenceFeed,
    answer_key: str | None,
    documents_key: str | None,
    sent: Sequence[BaseMessage] = (),
) -> Any:
    """Run an opaque chain with ``astream``, feeding its growing answer to `feed`; returns the whole output.

    LCEL dict outputs stream as addable pieces (the documents arrive whole,
    the answer token by token); a chain that cannot stream yields its output
    once, which is just as correct.
    """
    output: Any = None
    # A LangGraph graph streams per-node updates by default; its whole state ("values") holds the answer.
    options = {"stream_mode": "values"} if _has_stream_mode(chain) else {}
    spawned: set[asyncio.Task[Any]] = set()
    token = _SPAWNED.set(spawned)  # tasks started from here on (the chain's) inherit it

    async def stream() -> AsyncIterator[Any]:
        _track_tasks(asyncio.get_running_loop())  # the loop the chain runs on (the shared one, or the caller's)
        async for part in chain.astream(payload, config, **options):
            yield part

    try:
        async for part in _loops.iterate(stream):
            output = part if output is None else _merge_chunk(output, part)
            answer = _partial_answer(output, answer_key, sent)
            if answer:
                docs = _partial_documents(output, documents_key)
                await feed.update(answer, None if docs is None else feed.turn.evolve(documents=docs))
    finally:
        _SPAWNED.reset(token)
        for task in list(spawned):
            if not task.done():
                task.get_loop().call_soon_threadsafe(task.cancel)
    return output


# Tasks the wrapped chain started while streaming. langchain-core's RunnableParallel
# (and so RunnablePassthrough.assign) streams each branch in a task of its own and
# does not cancel those tasks when the stream is cancelled or closed: the model's
# HTTP request would run to the end after a latency budget gave up on it. The
# tasks are recorded through a task factory (installed once per loop, passing
# everything through) and cancelled when the stream ends, whichever way.
_SPAWNED: contextvars.ContextVar[set[asyncio.Task[Any]] | None] = contextvars.ContextVar(
    "ragfort_lc_spawned", default=None
)


def _track_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Record tasks created under `_SPAWNED` on `loop` (idempotent; keeps any task factory already set)."""
    previous = loop.get_task_factory()
    if previous in _OUR_FACTORIES:
        return

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        task = previous(loop, coro, **kwargs) if previous is not None else asyncio.Task(coro, loop=loop, **kwargs)
        context: contextvars.Context | None = kwargs.get("context")
        spawned = context.get(_SPAWNED) if context is not None else _SPAWNED.get()
        if spawned is not None and isinstance(task, asyncio.Task):
            spawned.add(task)
        return task

    _OUR_FACTORIES.add(factory)
    loop.set_task_factory(factory)


# The task factories `_track_tasks` installed (weakly: one dies with its loop), so it never wraps its own.
_OUR_FACTORIES: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()


def _has_stream_mode(chain: Runnable[Any, Any]) -> bool:
    """Whether `chain.astream` takes LangGraph's ``stream_mode`` (without importing langgraph)."""
    try:
        return "stream_mode" in inspect.signature(chain.astream).parameters
    except (TypeError, ValueError):
        return False


def _merge_chunk(output: Any, part: Any) -> Any:
    """`output` with the streamed `part` added; LCEL's `AddableDict` pieces key by key.

    A plain dict part (a LangGraph ``values`` stream) is a whole state and
    replaces `output`. In an `AddableDict`, a key whose pieces cannot be added (cumulative values: the dicts
    ``JsonOutputParser`` yields, partial pydantic objects) takes the newer
    value; the other keys are kept. (``AddableDict.__add__`` raises
    ``TypeError`` for the whole dict in that case since langchain-core 1.x,
    which used to drop the documents streamed before the answer.)
    """
    if isinstance(output, Mapping) and isinstance(part, AddableDict):
        merged = AddableDict(output)
        for key, value in part.items():
            old = merged.get(key)
            if old is None or value is None:
                merged[key] = value if old is None else old
                continue
            try:
                merged[key] = old + value
            except TypeError:
                merged[key] = value
        return merged
    try:
        return output + part
    except TypeError:
        return part


def _partial_answer(output: Any, key: str | None, sent: Sequence[BaseMessage] = ()) -> str | None:
    if not isinstance(output, Mapping):
        value = output
    elif key or "answer" in output:
        value = output.get(key or "answer")
        inner = None if isinstance(value, (str, BaseMessage)) else structured_answer(value)
        value = inner[1] if inner is not None else value
    else:
        value = last_ai_message(output, sent)
    if isinstance(value, (str, BaseMessage)):
        return plain_text(value, "the chain's streamed answer")
    return None


def _partial_documents(output: Any, documents_key: str | None) -> tuple[Passage, ...] | None:
    if not isinstance(output, Mapping):
        return None
    for key in (documents_key,) if documents_key else DOCUMENT_KEYS:
        docs = output.get(key)
        if isinstance(docs, Sequence) and not isinstance(docs, (str, bytes)):
            try:
                return tuple(distinct_passages([passage_from_document(d, i) for i, d in enumerate(docs)]))
            except (ChainError, TypeError, ValueError):
                return None
    return None
