"""`iterate_in_thread` and `aiterate_in_thread`: an async iterator on a loop of its own, consumed elsewhere."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from ragfort import _loops
from ragfort._loops import aiterate_in_thread, iterate_in_thread


class Producer:
    """An async iterator factory that records where it ran, how far it got and how it ended."""

    def __init__(self, n: int, *, fail_after: int | None = None, hang_after: int | None = None) -> None:
        self.n = n
        self.fail_after = fail_after
        self.hang_after = hang_after
        self.made = 0
        self.threads: set[int] = set()
        self.on_owned_loop: list[bool] = []
        self.cancelled = threading.Event()
        self.ended = threading.Event()

    async def items(self) -> AsyncIterator[int]:
        self.threads.add(threading.get_ident())
        self.on_owned_loop.append(_loops._on_owned_loop())
        try:
            for i in range(self.n):
                if i == self.fail_after:
                    raise ValueError(f"failed at {i}")
                if i == self.hang_after:
                    await asyncio.Event().wait()
                self.made += 1
                yield i
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        finally:
            self.ended.set()


# -- iterate_in_thread ------------------------------------------------------------------------


def test_items_arrive_in_order_from_an_owned_loop_on_another_thread() -> None:
    p = Producer(50)
    assert list(iterate_in_thread(p.items)) == list(range(50))
    assert p.threads and threading.get_ident() not in p.threads
    assert p.on_owned_loop == [True]
    assert not p.cancelled.is_set()


def test_the_producers_exception_is_raised_in_the_caller_after_its_items() -> None:
    p = Producer(10, fail_after=3)
    got: list[int] = []
    with pytest.raises(ValueError, match="failed at 3"):
        for item in iterate_in_thread(p.items):
            got.append(item)
    assert got == [0, 1, 2]


def test_stopping_early_cancels_the_producer_and_joins_its_thread() -> None:
    p = Producer(10, hang_after=2)
    before = threading.active_count()
    items = iterate_in_thread(p.items)
    assert [next(items), next(items)] == [0, 1]
    items.close()
    # close() returns once the thread has ended: the cancellation has already happened.
    assert p.cancelled.is_set() and p.ended.is_set()
    assert threading.active_count() == before


def test_an_exception_in_the_consumer_cancels_the_producer() -> None:
    p = Producer(10, hang_after=1)
    with pytest.raises(KeyError):
        for _ in iterate_in_thread(p.items):
            raise KeyError("consumer failed")
    assert p.cancelled.is_set()


def test_a_buffer_bounds_how_far_the_producer_runs_ahead() -> None:
    p = Producer(100)
    items = iterate_in_thread(p.items, buffer=2)
    assert next(items) == 0
    threading.Event().wait(0.2)
    # Two waiting, one taken, and one made that waits for room.
    assert p.made <= 4
    items.close()
    assert p.cancelled.is_set()


def test_the_buffered_stream_still_delivers_everything() -> None:
    assert list(iterate_in_thread(Producer(30).items, buffer=1)) == list(range(30))


def test_a_stream_never_started_starts_no_thread() -> None:
    p = Producer(3)
    iterate_in_thread(p.items).close()
    assert not p.threads


# -- aiterate_in_thread -----------------------------------------------------------------------


async def test_async_items_arrive_in_order_from_a_worker_thread() -> None:
    p = Producer(50)
    got = [i async for i in aiterate_in_thread(p.items)]
    assert got == list(range(50))
    assert p.threads and threading.get_ident() not in p.threads
    assert p.on_owned_loop == [True]


async def test_async_the_producers_exception_is_raised_after_its_items() -> None:
    p = Producer(10, fail_after=2)
    got: list[int] = []
    with pytest.raises(ValueError, match="failed at 2"):
        async for item in aiterate_in_thread(p.items):
            got.append(item)
    assert got == [0, 1]


async def test_async_closing_early_cancels_the_producer() -> None:
    p = Producer(10, hang_after=1)
    items = aiterate_in_thread(p.items)
    assert await anext(items) == 0
    await items.aclose()
    # Not waited for by aclose(); the worker ends on its own, promptly.
    assert await asyncio.to_thread(p.cancelled.wait, 5)


async def test_async_a_cancelled_consumer_cancels_the_producer() -> None:
    p = Producer(10, hang_after=1)

    async def consume() -> None:
        async for _ in aiterate_in_thread(p.items):
            pass

    task = asyncio.create_task(consume())
    while not p.made:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(p.cancelled.wait, 5)


async def test_async_a_buffer_bounds_how_far_the_producer_runs_ahead() -> None:
    p = Producer(100)
    items = aiterate_in_thread(p.items, buffer=3)
    assert await anext(items) == 0
    await asyncio.sleep(0.2)
    assert p.made <= 5
    await items.aclose()
    assert await asyncio.to_thread(p.cancelled.wait, 5)


def test_run_sync_reuses_this_threads_loop_and_returns_or_raises() -> None:
    async def which_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    first, second = _loops.run_sync(which_loop), _loops.run_sync(which_loop)
    assert first is second and not first.is_running()

    async def fails() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError) as caught:
        _loops.run_sync(fails)
    assert caught.value.__context__ is None  # no "no running event loop" chained onto the request's error


async def test_run_sync_called_from_a_running_loop_uses_a_helper_thread() -> None:
    caller = threading.get_ident()

    async def where() -> int:
        return threading.get_ident()

    assert _loops.run_sync(where) != caller
