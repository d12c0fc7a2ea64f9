"""A chain that retrieves and generates in one call, run as the pipeline's generate step.

The chains are real Runnables (RunnableLambda, RunnableGenerator); the
context is a plain `RunContext`, as the pipeline builds one per request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.messages import convert_to_messages
from langchain_core.runnables import RunnableGenerator, RunnableLambda
from langchain_core.runnables.utils import AddableDict

from ragfort.budget import Budget
from ragfort.context import RunContext
from ragfort.errors import ChainError
from ragfort.integrations.opaque import CallerInput, opaque_steps
from ragfort.pipeline import GenerationFailed
from ragfort.types import HistoryMessage, Turn

DOC = Document(page_content="Devices can be returned within 14 days.", metadata={"source": "returns.md"})


def _generate(chain: Any, **keys: Any) -> Any:
    steps = opaque_steps(chain, question_key=keys.get("question_key", "question"), answer_key=None, documents_key=None)
    return steps.generate


async def test_the_chain_gets_the_guarded_question_and_its_output_becomes_the_turn() -> None:
    seen: list[dict[str, Any]] = []

    def chain(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload)
        return {"answer": "Within 14 days.", "context": [DOC, DOC]}

    generate = _generate(RunnableLambda(chain), question_key="input")
    turn = await generate(Turn(question="Can I return <PERSON_1>'s phone?"), RunContext())
    assert seen == [{"input": "Can I return <PERSON_1>'s phone?"}]
    assert turn.answer == "Within 14 days." and [p.doc_id for p in turn.documents] == ["returns.md"]


def test_caller_input_round_trips_history_in_the_callers_own_shapes() -> None:
    items: list[Any] = [("human", "I'm Ana, ana@example.com."), {"role": "assistant", "content": "Hi Ana."}]
    conversation = ["What is my order status?"]
    caller = CallerInput(
        extra={"lang": "en"},
        lists=(
            ("chat_history", items, convert_to_messages(items), None),
            ("question", conversation, convert_to_messages(conversation), 0),
        ),
    )
    assert caller.history() == (HistoryMessage("human", "I'm Ana, ana@example.com."), HistoryMessage("ai", "Hi Ana."))
    redacted = Turn(
        question="What is my order status?",
        history=(HistoryMessage("human", "I'm <PERSON_1>, <EMAIL_ADDRESS_1>."), HistoryMessage("ai", "Hi <PERSON_1>.")),
    )
    assert caller.payload("question", redacted) == {
        "lang": "en",
        "question": ["What is my order status?"],
        "chat_history": [
            ("human", "I'm <PERSON_1>, <EMAIL_ADDRESS_1>."),
            {"role": "assistant", "content": "Hi <PERSON_1>."},
        ],
    }


async def test_a_failing_chain_is_a_chain_error_naming_the_fault() -> None:
    def chain(payload: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("retriever")

    with pytest.raises(ChainError, match="the wrapped chain failed: KeyError"):
        await _generate(RunnableLambda(chain))(Turn(question="q"), RunContext())


async def test_a_chain_past_its_generation_budget_degrades_to_the_fallback() -> None:
    async def slow(payload: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(5)
        return {"answer": "late"}

    ctx = RunContext(budget=Budget(generation=50))
    with pytest.raises(GenerationFailed):
        await _generate(RunnableLambda(slow))(Turn(question="q"), ctx)
    assert ctx.degraded == ["generation"]


async def test_a_streaming_request_checks_each_completed_sentence_with_the_documents() -> None:
    async def parts(inputs: AsyncIterator[Any]) -> AsyncIterator[AddableDict]:
        async for _ in inputs:
            pass
        yield AddableDict(context=[DOC])
        for piece in ("First sentence", ". Second ", "one. Third"):
            yield AddableDict(answer=piece)

    checked: list[Turn] = []

    async def partial(turn: Turn) -> None:
        checked.append(turn)

    ctx = RunContext()
    ctx.state.partial = partial
    turn = await _generate(RunnableGenerator(parts))(Turn(question="q"), ctx)
    assert turn.answer == "First sentence. Second one. Third"
    assert [t.answer for t in checked] == ["First sentence.", "First sentence. Second one."]
    assert all([p.doc_id for p in t.documents] == ["returns.md"] for t in checked)
