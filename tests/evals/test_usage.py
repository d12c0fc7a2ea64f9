"""Token usage summed over a request's LLM calls, and the LLM answer judge's grade parsing."""

from __future__ import annotations

import pytest
from langchain_core.language_models import FakeListChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from ragfort.evals.usage import UsageCallback, llm_judge


def _generation(usage: dict[str, int] | None) -> ChatGeneration:
    message = AIMessage(content="ok", usage_metadata=usage) if usage else AIMessage(content="ok")
    return ChatGeneration(message=message)


def test_reported_token_usage_is_summed_with_provider_aliases() -> None:
    callback = UsageCallback()
    reported = {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14, "cost": 3}
    callback.on_llm_end(LLMResult(generations=[], llm_output={"token_usage": reported}))
    usage = {"input_tokens": 7, "output_tokens": 2, "total_tokens": 9}
    callback.on_llm_end(LLMResult(generations=[[_generation(usage)]]))
    assert callback.usage == {"prompt_tokens": 17, "completion_tokens": 6, "total_tokens": 23}


def test_models_that_report_nothing_leave_usage_empty() -> None:
    callback = UsageCallback()
    callback.on_llm_end(LLMResult(generations=[[_generation(None)]], llm_output={"token_usage": {}}))
    assert callback.usage == {}


def test_usage_is_collected_from_every_call_a_model_makes() -> None:
    usage = {"input_tokens": 5, "output_tokens": 3, "total_tokens": 8}
    model = GenericFakeChatModel(messages=iter([AIMessage(content=t, usage_metadata=usage) for t in ("a", "b")]))
    callback = UsageCallback()
    model.invoke("first", config={"callbacks": [callback]})
    model.invoke("second", config={"callbacks": [callback]})
    assert callback.usage == {"prompt_tokens": 10, "completion_tokens": 6, "total_tokens": 16}


@pytest.mark.parametrize(
    ("reply", "score"),
    [("8", 0.8), ("Grade: 10/10", 1.0), ("I'd say 0.", 0.0), ("no idea", None), ("Score 7, maybe 9", 0.7)],
)
def test_the_llm_judge_scales_the_first_grade_it_finds(reply: str, score: float | None) -> None:
    model = FakeListChatModel(responses=[reply])
    judge = llm_judge(model)
    assert judge("How long?", "14 days.", "Within 14 days.") == score
