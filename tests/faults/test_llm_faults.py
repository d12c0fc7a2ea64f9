"""The LLM misbehaves: every request still ends, within its budget, as a fallback answer; never a 500 or a hang.

A real ``ragfort serve`` process (recommended policy: 3 s total, 2 s for
generation) talks to a fake OpenAI-compatible server on loopback through
``RAGFORT_LLM_BASE_URL``; the test switches the fake's behaviour between
requests. The HTTP client's timeout is the hang detector.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.faults.procs import FakeLLM, LLMStack, llm_stack

# Bounded well above the 3 s budget (a busy 2-core machine), far below "hung".
CLIENT_TIMEOUT_S = 30.0


Stack = LLMStack


@pytest.fixture(scope="module")
def stack(help_center_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from llm_stack(tmp_path_factory.mktemp("llm-faults"), help_center_index, FakeLLM(delay_s=5.0))


# Answerable questions (the extractive fallback finds them), a different one per mode so no cache hit hides a fault.
QUESTIONS = {
    "slow": "How many days do I have to return a Voltwise phone?",
    "error500": "How long do I have to return an accessory I bought on its own?",
    "error429": "How long do refunds take?",
    "garbage": "How do I return a device?",
    "empty": "How long does shipping take?",
}
# What `budget.degraded` names (langchain-openai wraps the openai SDK's errors in its own subclasses).
EXCEPTIONS = {
    "error500": {"generation:InternalServerError", "generation:OpenAIAPIError"},
    "error429": {"generation:RateLimitError", "generation:OpenAIRateLimitError"},
    "empty": {"generation:EmptyCompletion"},
}


@pytest.mark.parametrize("mode", list(QUESTIONS))
def test_a_failing_llm_gives_a_fallback_answer(stack: Stack, mode: str) -> None:
    stack.llm.mode = mode
    calls = stack.llm.calls
    with stack.serve.client(timeout_s=CLIENT_TIMEOUT_S) as client:
        response = client.post("/v1/ask", json={"question": QUESTIONS[mode]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "fallback", body
    assert body["answer"].strip()
    assert "generation" in body["budget"]["degraded"]
    if mode in EXCEPTIONS:
        assert EXCEPTIONS[mode] & set(body["budget"]["degraded"]), body["budget"]
    if mode in ("error500", "error429"):
        assert stack.llm.calls - calls >= 2  # transient errors are retried while the budget allows
    # The extractive fallback quotes the index: every citation is an exact span.
    assert body["citations"] and all(c["quote"] for c in body["citations"])
    assert body["cache"] == "miss"


def test_fallbacks_are_not_cached(stack: Stack) -> None:
    stack.llm.mode = "error500"
    question = "Can I return a phone I bought 10 days ago?"
    with stack.serve.client(timeout_s=CLIENT_TIMEOUT_S) as client:
        first = client.post("/v1/ask", json={"question": question}).json()
        stack.llm.mode = "ok"
        second = client.post("/v1/ask", json={"question": question}).json()
    assert first["status"] == "fallback"
    assert second["cache"] == "miss" and "generation" not in second["budget"]["degraded"]


def test_a_slow_llm_while_streaming_still_ends_with_a_result(stack: Stack) -> None:
    stack.llm.mode = "slow"
    with stack.serve.client(timeout_s=CLIENT_TIMEOUT_S) as client:
        response = client.post("/v1/ask", json={"question": "Do you ship to Canada?", "stream": True})
    assert response.status_code == 200
    events = [block for block in response.text.split("\n\n") if block.strip()]
    assert events[-1].startswith("event: result")
    result = json.loads(events[-1].split("data: ", 1)[1])
    assert result["status"] == "fallback"


def test_the_llm_comes_back(stack: Stack) -> None:
    stack.llm.mode = "ok"
    with stack.serve.client(timeout_s=CLIENT_TIMEOUT_S) as client:
        body = client.post("/v1/ask", json={"question": "How do I contact support?"}).json()
    assert body["status"] != "fallback"
    assert "generation" not in body["budget"]["degraded"]
    assert "Traceback" not in stack.serve.log()
