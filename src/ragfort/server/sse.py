"""Server-sent events for ``POST /v1/ask`` with streaming.

The guarded runnable's ``astream`` yields `AnswerChunk`s, each only after the
output guards passed it, then the complete `GuardedAnswer`. Guards are CPU
bound and synchronous, so the stream runs on a worker thread with its own
event loop (`ragfort._loops.aiterate_in_thread`); items cross to the
server's loop, at most ``stream_buffer`` of them waiting at a time. When the
client reads slowly the worker waits, and when it disconnects the run is
cancelled, so a stream never buffers more than that many chunks.

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
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig

from ragfort._loops import aiterate_in_thread
from ragfort.errors import InputError
from ragfort.integrations.langchain import HardenedRunnable
from ragfort.server.errors import ApiError
from ragfort.types import AnswerChunk, GuardedAnswer

__all__ = ["format_event", "sse_events"]

log = logging.getLogger("ragfort.server")

_END = object()


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
        buffer: the most items waiting between the worker and the client.
        render: turns the final result into the response JSON.
        trace_id: for log lines.
        refuse: an error to raise instead of streaming this result (checked before anything is yielded).
        fault: an error to raise instead of an error event for this exception (likewise).
        on_result: called on the worker thread with the final result before it is sent (not
            with a refused one); for example to keep the exchange in the session's history.

    Raises:
        ApiError: from `refuse` or `fault`, before the first event.
    """

    async def guarded() -> AsyncIterator[Any]:
        # Runs on the worker thread, like `refuse` and `on_result` here.
        async for item in runnable.astream(payload, config):
            if isinstance(item, GuardedAnswer):
                if refuse(item) is not None:
                    yield _Refused(item)
                    return
                on_result(item)
            yield item

    # A loop ragfort owns, on a worker thread: the model's async client is driven from the shared loop
    # (ragfort._loops). When the client leaves, closing `items` cancels the request.
    async with contextlib.aclosing(aiterate_in_thread(guarded, buffer=buffer)) as items:
        first = True
        while True:
            item: Any = _END
            failed: BaseException | None = None
            try:
                item = await anext(items, _END)
            except asyncio.CancelledError as exc:
                if _cancelling():  # this request was cancelled (the client left), not the run
                    raise
                failed = exc
            except BaseException as exc:  # reported to the client as an error event
                failed = exc
            if first:
                first = False
                error = refuse(item.result) if isinstance(item, _Refused) else None
                if failed is not None:
                    error = fault(failed)
                if error is not None:
                    raise error
            if failed is not None:  # the run has ended
                if isinstance(failed, InputError):
                    yield format_event("error", {"error": {"code": "bad_request", "message": str(failed)}})
                else:
                    log.error("stream failed (trace %s): %s", trace_id, type(failed).__name__)
                    yield format_event(
                        "error", {"error": {"code": "internal", "message": "the request could not be answered"}}
                    )
                break
            if item is _END:
                break
            if isinstance(item, _Refused):  # after text was shown: end the stream with the error
                error = refuse(item.result)
                if error is not None:
                    yield format_event("error", {"error": {"code": error.code, "message": error.message}})
                continue
            if isinstance(item, AnswerChunk):
                yield format_event("replace" if item.replace else "chunk", {"text": item.text})
            elif isinstance(item, GuardedAnswer):
                yield format_event("result", render(item))


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
