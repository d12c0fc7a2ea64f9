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

Sync code runs a coroutine with `run_sync`, on a loop this thread keeps
(``HardenedRunnable.invoke``, and so ``batch``).

The other way round, `iterate_in_thread` and `aiterate_in_thread` drive an
async iterator on a fresh owned loop in a thread of its own and hand its
items to a consumer elsewhere: sync code in the caller's thread
(``HardenedRunnable.stream``), or a coroutine on the caller's loop (the
server's streams, whose guards are CPU bound and would stall that loop).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import queue
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from typing import Any, TypeVar

__all__ = ["aiterate_in_thread", "call", "iterate", "iterate_in_thread", "owned_loop", "run_sync"]

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


def iterate_in_thread(factory: Callable[[], AsyncIterator[T]], *, buffer: int = 0) -> Generator[T, None, None]:
    """Iterate the async iterator ``factory()`` from sync code: it runs on a fresh owned loop in a daemon thread.

    The thread starts on the first ``next()`` and runs ``factory()`` inside
    one task on a loop of its own (`owned_loop`, so the user's model is
    called on the shared loop); its items are yielded here, in the caller's
    thread, in order. An exception it raises (any `BaseException`) is
    re-raised here, after the items before it. When the caller stops early
    (``close()``, ``break``, an exception of its own), the task is cancelled,
    so the request stops instead of running to its end. Either way the
    thread is joined before this generator finishes. Context variables are
    not copied into the thread.

    This is what ``HardenedRunnable.stream`` needs::

        yield from iterate_in_thread(lambda: self.astream(input, config, **kwargs))

    Args:
        factory: makes the async iterator; called once, in the thread.
        buffer: the most items waiting for the caller to take them; 0 for no bound.
    """
    items: queue.Queue[Any] = queue.Queue()
    pump = _Pump(factory, items.put, buffer)
    worker = threading.Thread(target=pump.run, name="ragfort-stream", daemon=True)
    worker.start()
    try:
        while pump.taken(item := items.get()):
            yield item
    finally:
        pump.stop()
        worker.join()


async def aiterate_in_thread(
    factory: Callable[[], AsyncIterator[T]], *, buffer: int = 0
) -> AsyncGenerator[T, None]:
    """Iterate ``factory()`` from this loop while it runs on a fresh owned loop on a worker thread.

    As `iterate_in_thread`, except that the consumer is a coroutine: the
    worker is a thread of this loop's default executor (so the executor
    bounds how many run at once), and items cross to this loop without
    blocking it. When the consumer stops early the task is cancelled (or
    never starts, if it had not yet) but not waited for: the cleanup of an
    async generator may be unable to await (a cancelled task group cancels
    every await). An `asyncio.CancelledError` raised by ``factory()`` is
    re-raised like any other exception; a consumer that must tell it from
    its own cancellation can check ``asyncio.current_task().cancelling()``.

    Args:
        factory: makes the async iterator; called once, on the worker thread.
        buffer: the most items waiting for the consumer to take them; 0 for no bound.
    """
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[Any] = asyncio.Queue()

    def deliver(item: object) -> None:
        with contextlib.suppress(RuntimeError):  # this loop has closed: nobody is reading
            loop.call_soon_threadsafe(items.put_nowait, item)

    pump = _Pump(factory, deliver, buffer)
    loop.run_in_executor(None, pump.run)
    try:
        while pump.taken(item := await items.get()):
            yield item
    finally:
        pump.stop()


class _Pump:
    """Runs ``factory()`` to its end in one task on a fresh owned loop; `run` is the worker thread's target.

    Each item goes to `deliver`, then `_Raised` with its exception if it
    failed, and `_DONE` last in any case; the consumer hands each one it
    gets to `taken`. With a `buffer`, an item is delivered only while fewer
    than that many are untaken.
    """

    def __init__(
        self, factory: Callable[[], AsyncIterator[Any]], deliver: Callable[[object], None], buffer: int
    ) -> None:
        self._factory = factory
        self._deliver = deliver
        self._buffer = buffer
        self._lock = threading.Lock()
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._room: asyncio.Semaphore | None = None

    def run(self) -> None:
        try:
            with asyncio.Runner(loop_factory=owned_loop) as runner:
                runner.run(self._pump())
        except BaseException as exc:  # re-raised in the consumer
            self._deliver(_Raised(exc))
        finally:
            self._deliver(_DONE)

    async def _pump(self) -> None:
        room = asyncio.Semaphore(self._buffer) if self._buffer > 0 else None
        with self._lock:
            if self._stopped:  # the consumer left before this started
                return
            self._loop, self._task, self._room = asyncio.get_running_loop(), asyncio.current_task(), room
        async for item in self._factory():
            if room is not None:
                await room.acquire()
            self._deliver(item)

    def taken(self, item: object) -> bool:
        """The consumer took `item`: True for one of the iterator's, False at its end; raises its exception."""
        if item is _DONE or isinstance(item, _Raised):
            with self._lock:
                self._stopped = True  # nothing left to stop
            if isinstance(item, _Raised):
                raise item.exc
            return False
        with self._lock:
            loop, room = self._loop, self._room
        if loop is not None and room is not None:  # room for one more
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(room.release)
        return True

    def stop(self) -> None:
        """The consumer left: cancel the task, from any thread (one not started yet never will)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended on its own
                loop.call_soon_threadsafe(task.cancel)


_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = owned_loop()  # model calls made from it go to the shared loop
        _local.loop = loop
    return loop


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run the coroutine `factory` makes to completion from sync code, and return its result.

    A per-thread owned loop is reused (creating one per call costs more than
    the whole wrapper's budget). If this thread already runs a loop (a sync
    ``invoke`` called from async code), the work goes to a helper thread
    instead of deadlocking.
    """

    async def main() -> T:
        return await factory()

    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:
        # Outside the except block: an exception from the request must not carry "no running event loop"
        # as its context (every fault's traceback read "During handling of the above exception ...").
        return _thread_loop().run_until_complete(main())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: _thread_loop().run_until_complete(main())).result()
