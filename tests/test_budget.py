"""Latency budgets: slow LLMs are cancelled, the policy's fallbacks apply in order, transient errors retry."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import ragfort
from ragfort.budget import Budget, backoff_s, is_transient
from ragfort.errors import PolicyError
from ragfort.testing import ScriptedChat
from ragfort.types import CacheStatus, Status

ANSWER = "Travel Pass costs $10 per day [1]."
QUESTION = "How much does Travel Pass cost per day?"


def _warm(chain: Any) -> Any:
    # The first Chroma query of a process loads the index; keep that out of a 500 ms budget.
    chain.retrieve("warm up")
    return chain


# The generation part: far below the slow LLM's 5 s, far above what a scripted answer takes on a starved
# CI machine (400 ms was once too little for the first LLM call of a process there).
GENERATION_MS = 2000


def _policy(**budget: Any) -> dict[str, Any]:
    # A generation part keeps these tests about generation even when retrieval is slow on a busy machine.
    return {"name": "budget_test", "budget": {"total_ms": 10_000, "generation_ms": GENERATION_MS, **budget}}


def test_a_slow_async_llm_is_cancelled_and_the_answer_falls_back(help_center_index: Any) -> None:
    llm = ScriptedChat(answer=ANSWER, delay_s=5.0)
    guarded = ragfort.harden(
        ragfort.build_chain(help_center_index, llm=llm), {"name": "b", "budget": {"total_ms": 500}}
    )
    result = guarded.invoke(QUESTION)
    assert result.status is Status.FALLBACK
    assert result.budget.total_ms == 500
    assert result.to_dict()["status"] == "fallback"
    assert "generation" in result.budget.degraded
    assert "fallback:extractive" in result.budget.degraded
    assert result.answer and result.answer != ANSWER
    # Whatever started was cancelled (on a starved machine retrieval alone may spend the 500 ms,
    # and then the LLM is never called; test_the_async_path_cancels_too always starts it).
    assert llm.finished == 0 and llm.cancelled == llm.started


async def test_the_async_path_cancels_too(help_center_index: Any) -> None:
    llm = ScriptedChat(answer=ANSWER, delay_s=5.0)
    guarded = ragfort.harden(_warm(ragfort.build_chain(help_center_index, llm=llm)), _policy())
    result = await guarded.ainvoke({"question": QUESTION, "budget_ms": 10_000})
    assert result.status is Status.FALLBACK
    assert result.budget.total_ms == 10_000
    assert "generation" in result.budget.degraded
    assert llm.started == 1 and llm.cancelled == 1
    await asyncio.sleep(0)  # nothing left running to finish later
    assert llm.finished == 0
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


def test_a_stale_cached_answer_is_served_only_when_generation_runs_out(help_center_index: Any) -> None:
    llm = ScriptedChat(answer=ANSWER, delay_s=0.0)
    policy = {**_policy(), "cache": {"backend": "memory", "ttl_s": 0.05, "stale_grace_s": 60}}
    guarded = ragfort.harden(ragfort.build_chain(help_center_index, llm=llm), policy)
    assert guarded.invoke(QUESTION).answer == ANSWER
    time.sleep(0.1)  # the entry is now stale: no longer a hit (a hit would not call the LLM)...
    llm.delay_s = 5.0  # ...but when the LLM cannot answer in time, it is the first fallback
    result = guarded.invoke(QUESTION)
    assert result.status is Status.FALLBACK
    assert result.answer == ANSWER
    assert result.cache is CacheStatus.EXACT_HIT
    assert "fallback:stale_cache" in result.budget.degraded
    assert llm.started == 2 and llm.cancelled == 1


def _wrapped(llm: ScriptedChat) -> Any:
    """A wrapped LCEL chain (retrieval and generation in one opaque call) over one passage."""
    from langchain_core.documents import Document
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableLambda, RunnablePassthrough

    docs = [Document(page_content="Travel Pass costs $10 per day.", metadata={"source": "roaming.md"})]
    prompt = ChatPromptTemplate.from_messages([("system", "{context}"), ("human", "{question}")])
    retrieve = RunnablePassthrough.assign(context=RunnableLambda(lambda x: docs))
    return retrieve | RunnablePassthrough.assign(answer=prompt | llm | StrOutputParser())


@pytest.mark.parametrize("kind", ["default chain", "wrapped chain"])
def test_on_timeout_is_honoured_for_every_chain_kind(help_center_index: Any, kind: str) -> None:
    llm = ScriptedChat(answer=ANSWER, delay_s=0.0)
    chain = _warm(ragfort.build_chain(help_center_index, llm=llm)) if kind == "default chain" else _wrapped(llm)
    policy = {
        "name": "budget_test",
        "budget": {"total_ms": 10_000, "generation_ms": GENERATION_MS, "on_timeout": ["stale_cache", "abstain"]},
        "cache": {"backend": "memory", "ttl_s": 0.05, "stale_grace_s": 60},
    }
    guarded = ragfort.harden(chain, policy)
    fresh = guarded.invoke(QUESTION)
    assert fresh.status is Status.OK, fresh.verdicts
    time.sleep(0.1)
    llm.delay_s = 5.0
    stale = guarded.invoke(QUESTION)
    assert stale.status is Status.FALLBACK
    assert stale.answer == fresh.answer
    assert "fallback:stale_cache" in stale.budget.degraded
    # With nothing stale to serve, the next option applies: abstain (a wrapped chain has no passages to extract from).
    other = guarded.invoke("How much does Travel Pass cost per week?")
    assert "fallback:abstain" in other.budget.degraded
    assert other.answer == ragfort.load_policy(policy).messages.abstain


def test_fallback_answers_are_never_cached(help_center_index: Any) -> None:
    llm = ScriptedChat(answer=ANSWER, delay_s=5.0)
    policy = {**_policy(), "cache": {"backend": "memory"}}
    guarded = ragfort.harden(ragfort.build_chain(help_center_index, llm=llm), policy)
    assert guarded.invoke(QUESTION).status is Status.FALLBACK
    llm.delay_s = 0.0
    again = guarded.invoke(QUESTION)
    assert again.cache is CacheStatus.MISS
    assert again.answer == ANSWER


def test_the_policy_can_prefer_abstaining(help_center_index: Any) -> None:
    llm = ScriptedChat(answer=ANSWER, delay_s=5.0)
    guarded = ragfort.harden(ragfort.build_chain(help_center_index, llm=llm), _policy(on_timeout=["abstain"]))
    result = guarded.invoke(QUESTION)
    assert result.status is Status.ABSTAINED
    assert result.answer == guarded.policy.messages.abstain
    assert result.citations == ()
    assert "fallback:abstain" in result.budget.degraded


def test_transient_errors_are_retried_while_the_budget_allows(help_center_index: Any) -> None:
    llm = ScriptedChat(answer=ANSWER, fail_first=2)
    guarded = ragfort.harden(ragfort.build_chain(help_center_index, llm=llm), _policy(generation_ms=3000, backoff_ms=5))
    result = guarded.invoke(QUESTION)
    assert result.status is Status.OK
    assert result.answer == ANSWER
    assert llm.calls == 3


def test_without_retries_a_transient_error_falls_back(help_center_index: Any) -> None:
    llm = ScriptedChat(answer=ANSWER, fail_first=1)
    guarded = ragfort.harden(ragfort.build_chain(help_center_index, llm=llm), _policy(generation_ms=3000, retries=0))
    result = guarded.invoke(QUESTION)
    assert result.status is Status.FALLBACK
    assert "generation:ConnectionError" in result.budget.degraded
    assert llm.calls == 1


def test_backoff_is_jittered_and_grows() -> None:
    import random

    rng = random.Random(7)
    waits = [backoff_s(a, 100, rng=rng) for a in range(4) for _ in range(50)]
    assert all(0 <= w <= 0.1 * 2**3 for w in waits)
    assert len(set(waits)) > 150
    assert max(waits[:50]) <= 0.1 < max(waits[150:])


def test_transient_errors_are_told_apart_from_bugs() -> None:
    class RateLimitError(Exception):
        pass

    assert is_transient(ConnectionResetError()) and is_transient(RateLimitError())
    assert not is_transient(ValueError("bad prompt"))


def test_bad_fallback_settings_name_the_value() -> None:
    with pytest.raises(ValueError, match="'later'"):
        Budget(1000, on_timeout=("later",))
    with pytest.raises(ValueError, match="twice"):
        Budget(1000, on_timeout=("abstain", "abstain"))
    with pytest.raises(PolicyError, match=r"budget\.on_timeout"):
        ragfort.load_policy({"name": "bad", "budget": {"on_timeout": ["retry_forever"]}})
    assert Budget(1000, generation=500, on_timeout=("abstain",)).with_total(200).on_timeout == ("abstain",)
