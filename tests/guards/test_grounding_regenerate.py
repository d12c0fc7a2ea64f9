"""grounding `regenerate: true`: an answer with unsupported claims is written once more, with a stricter prompt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.language_models import FakeListChatModel
from langchain_core.runnables import RunnableLambda
from pydantic import Field

import ragfort
from ragfort import Status
from ragfort.generate import SYSTEM_PROMPT

QUESTION = "How long do I have to return a device?"
GOOD = "You can return a device within 14 calendar days of the delivery date shown in your order history."
BAD = "You can return a device within 90 days, and every return earns a free golden toaster."


class RecordingModel(FakeListChatModel):
    """A scripted chat model that keeps the system prompt of every call."""

    prompts: list[str] = Field(default_factory=list)

    def _call(self, messages: Any, *args: Any, **kwargs: Any) -> str:
        self.prompts.append(str(messages[0].content))
        return super()._call(messages, *args, **kwargs)


def policy(*, regenerate: bool = True, action: str = "strip") -> dict[str, Any]:
    return {
        "name": "regen",
        "budget": {"total_ms": 60_000},
        "guards": {"output": [{"guard": "grounding", "action": action, "regenerate": regenerate}]},
    }


def test_an_unsupported_answer_is_regenerated_once_with_a_stricter_prompt(help_center_index: Path) -> None:
    llm = RecordingModel(responses=[BAD, GOOD])
    result = ragfort.harden(ragfort.build_chain(help_center_index, llm=llm), policy=policy()).invoke(QUESTION)
    assert len(llm.prompts) == 2
    assert llm.prompts[0] == SYSTEM_PROMPT
    assert "golden toaster" in llm.prompts[1] and "Answer again" in llm.prompts[1]
    assert result.status is Status.OK
    assert result.answer.startswith("You can return a device within 14 calendar days") and "[1]" in result.answer
    notes = [v for v in result.verdicts if v.guard == "grounding"]
    assert "regenerated once" in notes[0].reason and "claims supported" in notes[-1].reason
    assert result.groundedness is not None and result.groundedness >= 0.5


def test_a_second_bad_answer_gets_the_policy_action(help_center_index: Path) -> None:
    llm = RecordingModel(responses=[BAD, BAD, GOOD])
    result = ragfort.harden(
        ragfort.build_chain(help_center_index, llm=llm), policy=policy(action="abstain")
    ).invoke(QUESTION)
    assert len(llm.prompts) == 2  # once more, never twice
    assert result.status is Status.ABSTAINED
    assert "toaster" not in result.answer


def test_a_supported_answer_is_not_regenerated(help_center_index: Path) -> None:
    llm = RecordingModel(responses=[GOOD, BAD])
    result = ragfort.harden(ragfort.build_chain(help_center_index, llm=llm), policy=policy()).invoke(QUESTION)
    assert len(llm.prompts) == 1 and result.status is Status.OK


def test_without_the_setting_nothing_is_regenerated(help_center_index: Path) -> None:
    llm = RecordingModel(responses=[BAD, GOOD])
    result = ragfort.harden(
        ragfort.build_chain(help_center_index, llm=llm), policy=policy(regenerate=False, action="abstain")
    ).invoke(QUESTION)
    assert len(llm.prompts) == 1 and result.status is Status.ABSTAINED


def test_the_extractive_generator_and_wrapped_chains_are_not_asked_twice(help_center_index: Path) -> None:
    calls = []

    def chain(x: dict[str, Any]) -> dict[str, Any]:
        calls.append(x)
        return {"answer": BAD, "context": [GOOD]}

    result = ragfort.harden(RunnableLambda(chain), policy=policy()).invoke(QUESTION)
    assert len(calls) == 1 and "toaster" not in result.answer
    extractive = ragfort.harden(ragfort.build_chain(help_center_index), policy=policy()).invoke(QUESTION)
    assert not any("regenerated" in v.reason for v in extractive.verdicts)
