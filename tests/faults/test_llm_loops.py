"""A real OpenAI-compatible client keeps working whatever thread or loop ragfort calls it from.

langchain-openai's async client binds its connections to the first event
loop that used it. ragfort runs sync ``invoke`` (and ``batch``, and the
server's requests) on worker threads with loops of their own, so without
the shared model loop (`ragfort._loops`) the second thread's request failed
with ``RuntimeError`` and quietly fell back to the extractive answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from langchain_openai import ChatOpenAI
from tests.faults.procs import FakeLLM

import ragfort
from ragfort import AnswerChunk, GuardedAnswer, Status

QUESTION = "How long do I have to return a device?"
POLICY = {"name": "loops", "budget": {"total_ms": 30_000, "generation_ms": 25_000, "retries": 0}}


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    fake = FakeLLM(word_delay_s=0.002).start()
    fake.mode = "multi"
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def guarded(llm: FakeLLM, help_center_index: Path) -> Any:
    model = ChatOpenAI(base_url=llm.base_url, api_key="not-needed", model="fake-model", max_retries=0)
    return ragfort.harden(ragfort.build_chain(help_center_index, llm=model), policy=POLICY)


def answered_by_the_model(result: GuardedAnswer) -> bool:
    return result.status is Status.OK and not result.budget.degraded and result.answer.count("[") >= 2


def test_invoke_from_many_threads(guarded: Any) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(guarded.invoke, [QUESTION] * 8))
    assert all(answered_by_the_model(r) for r in results), [r.budget.degraded for r in results]


def test_batch_stream_and_invoke_mixed(guarded: Any) -> None:
    assert all(answered_by_the_model(r) for r in guarded.batch([QUESTION] * 3))
    parts = list(guarded.stream(QUESTION))
    assert answered_by_the_model(parts[-1])
    assert len([p for p in parts if isinstance(p, AnswerChunk)]) >= 2
    assert answered_by_the_model(guarded.invoke(QUESTION))
