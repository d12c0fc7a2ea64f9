"""Event loops ragfort creates, and one shared loop for the async clients of the user's models.

A LangChain chat model's async client (an ``httpx.AsyncClient`` in
langchain-openai and most others) binds its connections to the event loop
that first used it; awaited from another loop it fails with
``RuntimeError``. ragfort creates loops of its own: one per worker thread
for sync ``invoke`` (and so for ``batch``), and one per server-sent-event
stream. A model called from those loops would work for the first request
and fail (then fall back) for the next one that lands on another thread.

So coroutines that use the user's model or chain go through `call` and
`iterate`: on a loop the *caller* owns (``await guarded.ainvoke(...)`` in
their app) they run right there, as they always would; on a loop ragfort
created they run on one long-lived shared loop (a daemon thread), where the
model's client is always used from the same loop. Cancellation crosses
over: when the caller's await is cancelled (a latency budget ran out), the
task on the shared loop is cancelled too, so the model's request really
stops. Context variables are copied across, so LangChain's tracing context
follows the call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["call", "iterate", "owned_loop"]

T = TypeVar("T")

_OWNED: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
_SHARED: asyncio.AbstractEventLoop | None = None
_SHARED_LOCK = threading.Lock()
_DONE = object()
# After cancelling a model call on the shared loop, how long the caller waits for it to unwind.
_CANCEL_WAIT_S = 0.1


def owned_loop() -> asyncio.AbstractEventLoop:
    """A new event loop that ragfort owns (its model calls go to the shared loop)."""
    loop = asyncio.new_event_loop()
    _OWNED.add(loop)
    return loop


def _on_owned_loop() -> bool:
    try:
        return asyncio.get_running_loop() in _OWNED
    except RuntimeError:
        return False


def _shared_loop() -> asyncio.AbstractEventLoop:
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None or _SHARED.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="ragfort-models", daemon=True).start()
            _SHARED = loop
        return _SHARED


class _Remote:
    """A coroutine running on the shared loop, with a future the caller can await and a way to cancel it."""

    def __init__(self, coro: Awaitable[Any], context: contextvars.Context) -> None:
        self.loop = _shared_loop()
        self.done: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.finished: concurrent.futures.Future[None] = concurrent.futures.Future()  # the task ended, whatever way
        self.task: asyncio.Task[Any] | None = None
        self.loop.call_soon_threadsafe(self._start, coro, context)

    def _start(self, coro: Any, context: contextvars.Context) -> None:
        if self.done.cancelled():  # the caller gave up before it started
            coro.close()
            self.finished.set_result(None)
            return
        self.task = self.loop.create_task(coro, context=context)
        self.task.add_done_callback(self._finish)

    def _finish(self, task: asyncio.Task[Any]) -> None:
        self.finished.set_result(None)
        if self.done.done():
            return
        try:
            if task.cancelled():
                self.done.set_exception(asyncio.CancelledError())
            elif task.exception() is not None:
                self.done.set_exception(task.exception())
            else:
                self.done.set_result(task.result())
        except concurrent.futures.InvalidStateError:  # cancelled by the caller meanwhile
            pass

    def cancel(self) -> None:
        self.done.cancel()
        self.loop.call_soon_threadsafe(self._cancel_task)

    async def cancelled(self, wait_s: float = _CANCEL_WAIT_S) -> None:
        """Cancel, and wait (briefly) until the task has unwound, so "cancelled" means stopped."""
        self.cancel()
        # A coroutine that ignores cancellation is left to end on its own.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.wrap_future(self.finished), wait_s)

    def _cancel_task(self) -> None:
        if self.task is not None:
            self.task.cancel()


async def call(factory: Callable[[], Awaitable[T]]) -> T:
    """Await ``factory()``: here on a caller's loop, on the shared loop when this loop is ragfort's."""
    if not _on_owned_loop():
        return await factory()
    remote = _Remote(factory(), contextvars.copy_context())
    try:
        result: T = await asyncio.wrap_future(remote.done)
        return result
    except asyncio.CancelledError:
        await remote.cancelled()
        raise


async def iterate(factory: Callable[[], AsyncIterator[T]]) -> AsyncIterator[T]:
    """Iterate ``factory()`` like `call` awaits: items cross to this loop one by one."""
    if not _on_owned_loop():
        async for item in factory():
            yield item
        return
    here = asyncio.get_running_loop()
    items: asyncio.Queue[Any] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for item in factory():
                here.call_soon_threadsafe(items.put_nowait, item)
        except BaseException as exc:
            here.call_soon_threadsafe(items.put_nowait, _Raised(exc))
            if isinstance(exc, asyncio.CancelledError):
                raise
        else:
            here.call_soon_threadsafe(items.put_nowait, _DONE)

    remote = _Remote(pump(), contextvars.copy_context())
    try:
        while (item := await items.get()) is not _DONE:
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        if not remote.done.done():
            await remote.cancelled()


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
