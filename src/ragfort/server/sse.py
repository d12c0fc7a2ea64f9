"""Server-sent events for ``POST /v1/ask`` with streaming.

The guarded runnable's ``astream`` yields `AnswerChunk`s, each only after the
output guards passed it, then the complete `GuardedAnswer`. Guards are CPU
bound and synchronous, so the stream runs on a worker thread with its own
event loop; items cross to the server's loop through a bounded queue
(``stream_buffer`` items). When the client reads slowly the worker waits,
and when it disconnects the worker stops at the next item, so a stream never
buffers more than that many chunks.

Chunks come from the runnable's ``astream`` (see `ragfort.streaming`): with
a chat model that streams, each sentence is sent once the output guards
passed it, while the rest is still being generated.

Before the first event is yielded, the caller may turn a fault or a result
into an `ApiError` (``fault``, ``refuse``): an outage is then a plain 503
rather than a 200 stream carrying an error. Outages are found before
generation (the vault at the input stage, the index at retrieval), so in
practice they come first; one found after text was shown ends the stream
with an error event.

Events::

    event: chunk    data: {"text": "..."}          (append: one per guarded sentence)
    event: replace  data: {"text": "..."}          (replaces all text shown: the whole-answer check changed it)
    event: result   data: {...the result JSON...}  (always last on success)
    event: error    data: {"error": {"code", "message"}}
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig

from ragfort._loops import owned_loop
from ragfort.errors import InputError
from ragfort.integrations.langchain import HardenedRunnable
from ragfort.server.errors import ApiError
from ragfort.types import AnswerChunk, GuardedAnswer

__all__ = ["format_event", "sse_events"]

log = logging.getLogger("ragfort.server")

_END = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Refused:
    def __init__(self, result: GuardedAnswer) -> None:
        self.result = result


def format_event(event: str, data: Any) -> bytes:
    """One SSE event; `data` is sent as compact JSON on one line."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


async def sse_events(
    runnable: HardenedRunnable,
    payload: dict[str, Any],
    config: RunnableConfig,
    *,
    buffer: int,
    render: Callable[[GuardedAnswer], dict[str, Any]],
    trace_id: str,
    refuse: Callable[[GuardedAnswer], ApiError | None] = lambda _: None,
    fault: Callable[[BaseException], ApiError | None] = lambda _: None,
    on_result: Callable[[GuardedAnswer], None] = lambda _: None,
) -> AsyncIterator[bytes]:
    """The SSE byte stream of one guarded run.

    Args:
        runnable: the tenant's guarded runnable.
        payload: its input.
        config: its config (tenant, session, variant, trace id).
        buffer: the most items held between the worker and the client.
        render: turns the final result into the response JSON.
        trace_id: for log lines.
        refuse: an error to raise instead of streaming this result (checked before anything is yielded).
        fault: an error to raise instead of an error event for this exception (likewise).
        on_result: called on the worker thread with the final result before it is sent (not
            with a refused one); for example to keep the exchange in the session's history.

    Raises:
        ApiError: from `refuse` or `fault`, before the first event.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=buffer)
    stop = threading.Event()

    def put(item: Any) -> bool:
        future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        while True:  # bounded by the client: each wait ends when it reads or leaves
            try:
                future.result(timeout=0.25)
                return True
            except concurrent.futures.TimeoutError:
                if stop.is_set():
                    future.cancel()
                    return False

    def produce() -> None:
        async def run() -> None:
            async for item in runnable.astream(payload, config):
                if isinstance(item, GuardedAnswer):
                    if refuse(item) is not None:
                        put(_Refused(item))
                        return
                    on_result(item)
                if stop.is_set() or not put(item):
                    return  # leaving the loop closes the stream, which cancels the request

        try:
            # A loop ragfort owns: the model's async client is driven from the shared loop (ragfort._loops).
            with asyncio.Runner(loop_factory=owned_loop) as runner:
                runner.run(run())
        except BaseException as exc:  # reported to the client as an error event
            put(_Failed(exc))
        finally:
            put(_END)

    worker = loop.run_in_executor(None, produce)
    first = True
    try:
        while True:
            item = await queue.get()
            if first:
                first = False
                error = refuse(item.result) if isinstance(item, _Refused) else None
                if isinstance(item, _Failed):
                    error = fault(item.exc)
                if error is not None:
                    raise error
            if item is _END:
                break
            if isinstance(item, _Refused):  # after text was shown: end the stream with the error
                error = refuse(item.result)
                if error is not None:
                    yield format_event("error", {"error": {"code": error.code, "message": error.message}})
                continue
            if isinstance(item, _Failed):
                if isinstance(item.exc, InputError):
                    yield format_event("error", {"error": {"code": "bad_request", "message": str(item.exc)}})
                else:
                    log.error("stream failed (trace %s): %s", trace_id, type(item.exc).__name__)
                    yield format_event(
                        "error", {"error": {"code": "internal", "message": "the request could not be answered"}}
                    )
                continue
            if isinstance(item, AnswerChunk):
                yield format_event("replace" if item.replace else "chunk", {"text": item.text})
            elif isinstance(item, GuardedAnswer):
                yield format_event("result", render(item))
    finally:
        stop.set()
        # Unblock a worker waiting on a full queue; it sees `stop` and finishes on its own
        # (the executor bounds how many run at once).
        while not queue.empty():
            queue.get_nowait()
        del worker
