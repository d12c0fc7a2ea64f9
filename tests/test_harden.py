"""`harden()`: a chain wrapped in a policy, with its budget, traces and cache as the arguments say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

import ragfort
from ragfort.integrations.langchain import HardenedRunnable
from ragfort.trace import MemoryTraceSink
from ragfort.types import CacheStatus, GuardedAnswer, Status

ANSWER = "Devices can be returned within 14 days."
QUESTION = "How long do I have to return a device?"
SHORT_QUESTIONS = {"name": "short", "guards": {"input": [{"guard": "question_length", "max_chars": 60}]}}
MEMORY_CACHE = {"backend": "memory", "semantic": {"enabled": False}}


class Chain:
    """A recording chain: every input it got, and a fixed answer with its passage."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def __call__(self, payload: Any) -> dict[str, Any]:
        self.calls.append(payload)
        return {"answer": ANSWER, "context": [Document(page_content=ANSWER, metadata={"source": "returns.md"})]}


def test_the_wrapped_chain_answers_through_the_policy() -> None:
    chain = Chain()
    guarded = ragfort.harden(RunnableLambda(chain), policy=SHORT_QUESTIONS, cache=False)
    assert isinstance(guarded, HardenedRunnable) and guarded.policy.name == "short"
    result = guarded.invoke(QUESTION)
    assert isinstance(result, GuardedAnswer) and result.status is Status.OK and result.answer == ANSWER
    assert chain.calls == [{"question": QUESTION}]
    blocked = guarded.invoke("x" * 61)
    assert blocked.status is Status.BLOCKED and len(chain.calls) == 1  # the chain never saw it


def test_no_policy_is_the_passthrough_and_keys_can_be_named() -> None:
    seen: list[Any] = []

    def chain(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload)
        return {"reply": ANSWER, "hits": []}

    guarded = ragfort.harden(RunnableLambda(chain), question_key="query", answer_key="reply", documents_key="hits")
    result = guarded.invoke({"query": QUESTION})
    assert guarded.policy.all_guards() == () and result.answer == ANSWER and seen == [{"query": QUESTION}]


def test_budget_ms_overrides_the_policys_total() -> None:
    policy = {"name": "slow", "budget": {"total_ms": 9000}}
    result = ragfort.harden(RunnableLambda(Chain()), policy=policy, budget_ms=1500, cache=False).invoke(QUESTION)
    assert result.budget.total_ms == 1500
    assert ragfort.harden(RunnableLambda(Chain()), policy=policy, cache=False).invoke(QUESTION).budget.total_ms == 9000


def test_traces_go_to_the_sink_or_to_a_folder(tmp_path: Path) -> None:
    sink = MemoryTraceSink()
    ragfort.harden(RunnableLambda(Chain()), policy=SHORT_QUESTIONS, trace_sink=sink, cache=False).invoke(QUESTION)
    (record,) = sink.records
    assert record["policy"]["name"] == "short" and record["status"] == "ok"
    assert "text" not in record["question"]  # no redacting guard checked it: a digest only

    ragfort.harden(RunnableLambda(Chain()), trace_dir=tmp_path / "traces", cache=False).invoke(QUESTION)
    (path,) = (tmp_path / "traces").glob("traces-*.jsonl")
    (line,) = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["chunks"] == ["returns.md"]


def test_the_cache_follows_the_argument_then_the_policy() -> None:
    chain = Chain()
    cached = ragfort.harden(RunnableLambda(chain), policy=SHORT_QUESTIONS, cache=MEMORY_CACHE)
    assert [cached.invoke(QUESTION).cache for _ in range(2)] == [CacheStatus.MISS, CacheStatus.EXACT_HIT]
    assert len(chain.calls) == 1

    with_section = {**SHORT_QUESTIONS, "cache": MEMORY_CACHE}
    from_policy = ragfort.harden(RunnableLambda(Chain()), policy=with_section)
    assert [from_policy.invoke(QUESTION).cache for _ in range(2)] == [CacheStatus.MISS, CacheStatus.EXACT_HIT]

    switched_off = ragfort.harden(RunnableLambda(Chain()), policy=with_section, cache=False)
    assert [switched_off.invoke(QUESTION).cache for _ in range(2)] == [CacheStatus.MISS, CacheStatus.MISS]
    disabled = ragfort.harden(RunnableLambda(Chain()), cache={**MEMORY_CACHE, "enabled": False})
    assert [disabled.invoke(QUESTION).cache for _ in range(2)] == [CacheStatus.MISS, CacheStatus.MISS]
