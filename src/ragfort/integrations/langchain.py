"""The LangChain edge: adapt any RAG Runnable in, and expose the guarded pipeline as a Runnable.

Everything LangChain-specific lives here. The core works on ragfort types
(`Turn`, `Passage`); this module converts the user's chain output (a dict
holding the answer and the retrieved `Document`s) into them, and wraps the
`Pipeline` in `HardenedRunnable`, a real `Runnable`: invoke, ainvoke, batch,
abatch, stream and astream work, callbacks and config propagate to the
wrapped chain as child runs, and ``|`` composes (returning new objects).

Key discovery: the answer is found under ``answer`` (then ``result``,
``output``), the documents under ``context``, ``docs``, ``documents`` or
``source_documents``, unless keys are given explicitly. An answer may be text,
a message, or a structured value (a dict from ``JsonOutputParser``, a pydantic
object from ``with_structured_output``) whose own ``answer`` (``result``,
``output``) field is the text. A chain with no answer key whose output carries
``messages`` (a LangGraph state) answers with the last AI message it added; a
graph (an ``astream`` taking ``stream_mode``) is streamed as whole states.

Input: the question goes to the chain under ``question_key`` (after the input
guards, so redacted); every other key the caller gave (``chat_history``,
``messages``, ...) is passed on unchanged, except ragfort's own request options
``session_id`` and ``budget_ms``. The question may be a conversation (a list of
messages, as a LangGraph graph takes ``{"messages": [...]}``): its last human
message is the question, and the chain gets the conversation back with that
message's text replaced by the guarded question.

Documents: ids are capped at `MAX_ID_CHARS` and metadata values at
`MAX_METADATA_CHARS` (a retriever's 1 MB metadata value must not reach cache
entries, traces or the JSON); exact repeats of a passage are dropped, and two
different passages claiming the same id and offsets get ``#<position>``
suffixed ids so that every citation names the passage it quotes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import hashlib
import inspect
import json
import queue
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from langchain_core.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from langchain_core.documents import Document
from langchain_core.messages import BaseMessage, convert_to_messages
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import ensure_config, patch_config
from langchain_core.runnables.utils import AddableDict
from pydantic import BaseModel

from ragfort import _loops
from ragfort._loops import owned_loop
from ragfort.budget import Budget
from ragfort.context import Layer, RunContext
from ragfort.errors import ChainError, InputError
from ragfort.pipeline import ChainSteps, GenerationFailed, Pipeline, StepsProvider
from ragfort.policy import Policy
from ragfort.streaming import STREAM_SINK, SentenceFeed, StreamState, tail_chunks
from ragfort.text import sentence_spans
from ragfort.trace import TraceSink, trace_record
from ragfort.types import AnswerChunk, GuardedAnswer, HistoryMessage, Passage, Turn

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

ANSWER_KEYS = ("answer", "result", "output")
# A Document whose metadata says ``visibility: public`` comes from a source declared public (see `Passage.public`).
VISIBILITY_KEY = "visibility"
DOCUMENT_KEYS = ("context", "docs", "documents", "source_documents")
REQUEST_KEYS = ("session_id", "budget_ms")  # ragfort's own input options; never passed to the chain
MAX_ID_CHARS = 256
MAX_METADATA_CHARS = 2048

T = TypeVar("T")


# -- conversion --------------------------------------------------------------
def plain_text(value: Any, what: str, *, error: type[Exception] = ChainError) -> str:
    """`value` as an exact `str`: the one place where text from LangChain enters ragfort.

    LangChain hands out `str` subclasses (1.8's `StrOutputParser` returns a
    `TextAccessor`), message objects and, from some loaders, bytes. spaCy and
    other C extensions accept only an exact `str`, so every text the wrapper
    takes in (the question, the answer, each passage) passes through here and
    no guard ever sees anything else.

    Raises:
        error: `value` is not text (named by `what`), or bytes that are not UTF-8.
    """
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)  # an exact copy; a subclass's own __str__ is not trusted
    if isinstance(value, BaseMessage):
        return plain_text(value.text, what, error=error)
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{what} is bytes that are not UTF-8 ({exc.reason} at byte {exc.start})") from None
    raise error(f"{what} is a {type(value).__name__}, expected text (str, bytes or a message)")


def passage_from_document(doc: Document | str, position: int = 0) -> Passage:
    """A `Passage` from a LangChain `Document` (or a bare string).

    Metadata written by ragfort's ingest (doc_id, start, chunk_id, sentences,
    title, score) is honoured, and so is ``start_index`` (LangChain's text
    splitters with ``add_start_index=True``); for other documents the doc id
    falls back to ``source``, ``id``, the Document's own id or the position.
    Ids longer than `MAX_ID_CHARS` and metadata values longer than
    `MAX_METADATA_CHARS` (as JSON) are cut (see `_capped`).
    """
    if isinstance(doc, str):
        text = plain_text(doc, f"retrieved item {position}")
        return Passage(text=text, doc_id=f"doc-{position}", sentences=tuple(sentence_spans(text)))
    if not isinstance(doc, Document):
        raise ChainError(f"retrieved item {position} is a {type(doc).__name__}, expected a langchain Document")
    md = dict(doc.metadata or {})
    text = plain_text(doc.page_content, f"retrieved document {position}'s page_content")
    doc_id = _capped_id(md.get("doc_id") or md.get("source") or md.get("id") or doc.id or f"doc-{position}")
    start = md.get("start", md.get("start_index", 0))
    sentences: tuple[tuple[int, int], ...]
    raw = md.get("sentences")
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else None
        sentences = tuple((int(a), int(b)) for a, b in parsed) if parsed else tuple(sentence_spans(text))
    except (ValueError, TypeError):
        sentences = tuple(sentence_spans(text))
    if any(not 0 <= a <= b <= len(text) for a, b in sentences):
        sentences = tuple(sentence_spans(text))  # offsets from another text would cite the wrong span
    score = md.get("score", md.get("relevance_score"))
    return Passage(
        text=text,
        doc_id=doc_id,
        source=_capped_id(md["source"]) if md.get("source") is not None else doc_id,
        title=_capped_id(md.get("title", "")),
        start=start if isinstance(start, int) and not isinstance(start, bool) and start >= 0 else 0,
        chunk_id=_capped_id(md.get("chunk_id") or doc.id or ""),
        score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
        sentences=sentences,
        metadata={str(k)[:MAX_ID_CHARS]: _capped(v) for k, v in md.items()},
    )


def _capped_id(value: Any) -> str:
    """`value` as an id of at most `MAX_ID_CHARS`; a longer one keeps a digest of the rest so ids stay distinct."""
    text = str(value)
    if len(text) <= MAX_ID_CHARS:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{text[: MAX_ID_CHARS - 17]}#{digest}"


def _capped(value: Any) -> Any:
    """A metadata value no larger than `MAX_METADATA_CHARS` as JSON: long text is cut, big containers summarised."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if len(value) <= MAX_METADATA_CHARS:
            return value
        return f"{value[:MAX_METADATA_CHARS]}… [cut by ragfort: {len(value)} chars]"
    if isinstance(value, (bytes, bytearray)):
        return f"[{len(value)} bytes: dropped by ragfort]"
    try:
        size = len(json.dumps(value, default=str))
    except (TypeError, ValueError, RecursionError):
        return f"[a {type(value).__name__}: not JSON, dropped by ragfort]"
    if size <= MAX_METADATA_CHARS:
        return value
    return f"[a {type(value).__name__} of {size} chars as JSON: dropped by ragfort]"


def _distinct(passages: list[Passage]) -> list[Passage]:
    """Drop exact repeats; give a passage whose id and offsets collide with a different one a ``#position`` id.

    Citations name a span by (doc_id, start, end), so two different texts
    under one id at overlapping offsets would make a citation ambiguous (the
    cited quote could come from the other passage).
    """
    seen: set[tuple[str, int, str]] = set()
    spans: dict[str, list[tuple[int, int]]] = {}
    out: list[Passage] = []
    for position, p in enumerate(passages):
        key = (p.doc_id, p.start, p.text)
        if key in seen:
            continue
        seen.add(key)
        if any(p.start < end and start < p.end for start, end in spans.get(p.doc_id, ())):
            p = dataclasses.replace(p, doc_id=f"{p.doc_id[: MAX_ID_CHARS - 8]}#{position}")
        spans.setdefault(p.doc_id, []).append((p.start, p.end))
        out.append(p)
    return out


def passage_to_document(passage: Passage) -> Document:
    """A LangChain `Document` carrying the passage's ragfort metadata."""
    # Vectors stay out of Documents: they are not JSON and callers never need them.
    md = {k: v for k, v in passage.metadata.items() if k != "sentence_vectors"}
    md.update(
        doc_id=passage.doc_id,
        source=passage.source,
        title=passage.title,
        start=passage.start,
        chunk_id=passage.chunk_id,
        sentences=json.dumps([list(s) for s in passage.sentences]),
    )
    md[VISIBILITY_KEY] = "public" if passage.public else "private"
    if passage.score is not None:
        md["score"] = passage.score
    return Document(page_content=passage.text, metadata=md, id=passage.chunk_id or None)


def _answer_text(value: Any, key: str) -> str:
    if isinstance(value, (str, BaseMessage)):
        return plain_text(value, f"the chain's {key!r}")
    inner = _structured_answer(value)
    if inner is not None:
        return _answer_text(inner[1], f"{key}.{inner[0]}")
    raise ChainError(
        f"the chain's {key!r} is a {type(value).__name__}, expected str, an AIMessage, or a dict or pydantic "
        f"object with one of the fields {ANSWER_KEYS!r}"
    )


def _structured_answer(value: Any) -> tuple[str, Any] | None:
    """(field, value) of the answer inside a structured answer (JsonOutputParser's dict, a pydantic object)."""
    if isinstance(value, BaseModel):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        for name in ANSWER_KEYS:
            if name in value:
                return name, value[name]
    return None


def _last_ai_message(output: Mapping[Any, Any], sent: Sequence[BaseMessage] = ()) -> BaseMessage | None:
    """The last AI message the chain added to a LangGraph-style ``messages`` list, if any.

    A graph returns the conversation it was given followed by its own
    messages: when the output starts with the `sent` messages, only what
    follows them counts, so an answer from earlier in the conversation is
    never taken for this question's answer.
    """
    messages = output.get("messages")
    if not isinstance(messages, Sequence) or isinstance(messages, (str, bytes)):
        return None
    if sent and len(messages) >= len(sent) and all(map(_same_message, messages, sent)):
        messages = messages[len(sent) :]
    for message in reversed(messages):
        if isinstance(message, BaseMessage) and message.type in ("ai", "AIMessageChunk"):
            return message
    return None


def _same_message(a: Any, b: BaseMessage) -> bool:
    return isinstance(a, BaseMessage) and a.type == b.type and a.content == b.content


def _message_list(value: Any) -> list[BaseMessage] | None:
    """`value` as messages when it is a non-empty list of messages or message-likes (("user", "hi"), dicts)."""
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or not value:
        return None
    try:
        return convert_to_messages(value)
    except (ValueError, TypeError, NotImplementedError):
        return None


def extract_output(
    output: Any,
    *,
    answer_key: str | None = None,
    documents_key: str | None = None,
    sent_messages: Sequence[BaseMessage] = (),
) -> tuple[str, list[Passage]]:
    """The answer and passages from a chain's output, by explicit key or convention.

    `sent_messages` are the ``messages`` the chain was given; a graph's
    output repeats them before its own, and they are skipped when looking
    for the answer among AI messages.

    Raises:
        ChainError: no answer could be found; the message lists the keys present.
    """
    if isinstance(output, (str, BaseMessage)):
        return _answer_text(output, "output"), []
    if not isinstance(output, Mapping):
        raise ChainError(f"the chain returned a {type(output).__name__}; expected a dict with an answer and documents")
    keys = [answer_key] if answer_key else [k for k in ANSWER_KEYS if k in output]
    if keys and keys[0] in output:
        answer = _answer_text(output[keys[0]], keys[0])
    elif not answer_key and (message := _last_ai_message(output, sent_messages)) is not None:
        answer = _answer_text(message, "messages[-1]")
    else:
        raise ChainError(
            f"no answer in the chain's output (looked for {answer_key or ANSWER_KEYS!r} and a new AI message in "
            f"'messages'; keys present: {sorted(map(str, output))!r}); pass answer_key= to harden()"
        )
    if documents_key:
        if documents_key not in output:
            raise ChainError(f"documents_key {documents_key!r} not in the chain's output {sorted(map(str, output))!r}")
        docs = output[documents_key]
    else:
        docs = next((output[k] for k in DOCUMENT_KEYS if k in output), [])
    if docs is None:
        docs = []
    if not isinstance(docs, Sequence) or isinstance(docs, (str, bytes)):
        raise ChainError(f"the chain's documents are a {type(docs).__name__}, expected a list of Documents")
    return answer, _distinct([passage_from_document(d, i) for i, d in enumerate(docs)])


# -- running coroutines from sync code --------------------------------------
_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = owned_loop()  # model calls made from it go to the shared loop (see ragfort._loops)
        _local.loop = loop
    return loop


def _run_sync(coro_factory: Any) -> Any:
    """Run a coroutine to completion from sync code.

    A per-thread loop is reused (creating one per call costs more than the
    whole wrapper's budget). If this thread already runs a loop (sync invoke
    called from async code), the work goes to a helper thread instead of
    deadlocking.
    """
    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:
        # Outside the except block: an exception from the request must not carry "no running event loop"
        # as its context (every fault's traceback read "During handling of the above exception ...").
        return _thread_loop().run_until_complete(coro_factory())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: _thread_loop().run_until_complete(coro_factory())).result()


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
        sent = _message_list(payload.get("messages")) or ()
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
    caller: _CallerInput | None = ctx.state.chain_input
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
class _CallerInput:
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
    if getattr(previous, "ragfort_tracks_tasks", False):
        return

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        task = previous(loop, coro, **kwargs) if previous is not None else asyncio.Task(coro, loop=loop, **kwargs)
        context: contextvars.Context | None = kwargs.get("context")
        spawned = context.get(_SPAWNED) if context is not None else _SPAWNED.get()
        if spawned is not None and isinstance(task, asyncio.Task):
            spawned.add(task)
        return task

    factory.ragfort_tracks_tasks = True  # type: ignore[attr-defined]
    loop.set_task_factory(factory)


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
        inner = None if isinstance(value, (str, BaseMessage)) else _structured_answer(value)
        value = inner[1] if inner is not None else value
    else:
        value = _last_ai_message(output, sent)
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
                return tuple(_distinct([passage_from_document(d, i) for i, d in enumerate(docs)]))
            except (ChainError, TypeError, ValueError):
                return None
    return None


# -- the Runnable --------------------------------------------------------------
class HardenedRunnable(Runnable[Any, GuardedAnswer]):
    """A RAG chain wrapped in a policy's guards; returns `GuardedAnswer`.

    Build it with `ragfort.harden`. Input is a question string or a dict with
    the question (``question`` by default) and optionally ``session_id`` and
    ``budget_ms``; the dict's other keys (``chat_history``, ``messages``, ...)
    reach the chain unchanged. ``config["configurable"]`` may carry
    ``tenant``, ``session_id`` and ``budget_ms`` too.
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
        steps: ChainSteps = (
            chain.ragfort_steps(policy)
            if isinstance(chain, StepsProvider)
            else opaque_steps(
                chain, question_key=question_key, answer_key=answer_key, documents_key=documents_key
            )
        )
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
            messages = _message_list(question)
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
        lists = [(k, v, messages, None) for k, v in extra.items() if (messages := _message_list(v)) is not None]
        caller = _CallerInput(extra=extra, lists=(*lists, *([conversation] if conversation else [])))
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
        result: GuardedAnswer = _run_sync(lambda: self._arun(input, child, sync=True))
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
        items: queue.Queue[Any] = queue.Queue()
        running: dict[str, Any] = {}

        def produce() -> None:
            async def run() -> None:
                running["loop"], running["task"] = asyncio.get_running_loop(), asyncio.current_task()
                async for item in self.astream(input, config, **kwargs):
                    items.put(item)

            try:
                with asyncio.Runner(loop_factory=owned_loop) as runner:
                    runner.run(run())
            except BaseException as exc:  # re-raised in the caller's thread
                items.put(_Failed(exc))
            finally:
                items.put(_END)

        worker = threading.Thread(target=produce, name="ragfort-stream", daemon=True)
        worker.start()
        finished = False
        try:
            while (item := items.get()) is not _END:
                if isinstance(item, _Failed):
                    raise item.exc
                yield item
            finished = True
        finally:
            if not finished and "task" in running:
                # The caller stopped reading (or failed): cancel the request instead of finishing it.
                with contextlib.suppress(RuntimeError):  # the loop already ended on its own
                    running["loop"].call_soon_threadsafe(running["task"].cancel)
            worker.join()

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


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
