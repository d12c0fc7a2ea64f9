"""`ScriptedChat`: a slow or flaky chat model for tests, that counts how its calls ended."""

from __future__ import annotations

import asyncio
import time

import pytest

from ragfort.testing import ScriptedChat


async def test_it_answers_after_its_delay() -> None:
    model = ScriptedChat(answer="Within 14 days.", delay_s=0.05)
    started = time.perf_counter()
    reply = await model.ainvoke("How long?")
    assert reply.text == "Within 14 days." and time.perf_counter() - started >= 0.05
    assert (model.calls, model.started, model.finished, model.cancelled) == (1, 1, 1, 0)


async def test_the_first_calls_fail_with_a_connection_error() -> None:
    model = ScriptedChat(fail_first=2)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            await model.ainvoke("q")
    assert (await model.ainvoke("q")).text == "ok"
    assert (model.calls, model.started, model.finished) == (3, 1, 1)


async def test_a_call_cancelled_while_waiting_is_counted() -> None:
    model = ScriptedChat(delay_s=10)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(model.ainvoke("q"), timeout=0.05)
    assert (model.started, model.finished, model.cancelled) == (1, 0, 1)


def test_it_is_async_only() -> None:
    with pytest.raises(NotImplementedError, match="async only"):
        ScriptedChat().invoke("q")
