"""Hooks for what an LLM reports: token usage (a LangChain callback) and an answer judge.

`UsageCallback` collects token counts from every LLM call made inside one
guarded request; the runner attaches a fresh one per record through the
Runnable config, which ragfort propagates into the user's chain. Models that
report nothing (the extractive generator, fakes) leave usage empty and the
report shows no usage metrics.

`AnswerJudge` is the hook for an LLM-as-judge: any callable scoring an answer
against the reference in [0, 1]. `llm_judge(model)` builds one from a
LangChain chat model.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Protocol

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult

__all__ = ["AnswerJudge", "UsageCallback", "llm_judge"]

_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
# Names used by providers for the same three counts.
_ALIASES = {"input_tokens": "prompt_tokens", "output_tokens": "completion_tokens"}


class UsageCallback(BaseCallbackHandler):
    """Sums the token usage of the LLM calls of one request."""

    def __init__(self) -> None:
        super().__init__()
        self.usage: dict[str, int] = {}
        self._lock = threading.Lock()

    def _add(self, counts: dict[str, Any]) -> None:
        with self._lock:
            for key, value in counts.items():
                name = _ALIASES.get(key, key)
                if name in _KEYS and isinstance(value, int | float):
                    self.usage[name] = self.usage.get(name, 0) + int(value)

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        reported = (response.llm_output or {}).get("token_usage")
        if isinstance(reported, dict) and reported:
            self._add(reported)
            return
        for generations in response.generations:
            for gen in generations:
                meta = getattr(getattr(gen, "message", None), "usage_metadata", None)
                if isinstance(meta, dict):
                    self._add(meta)


class AnswerJudge(Protocol):
    """Scores an answer against the reference answer in [0, 1]; None when it cannot tell."""

    def __call__(self, question: str, answer: str, reference: str) -> float | None: ...


_JUDGE_PROMPT = (
    "You grade a customer-support answer against a reference answer.\n"
    "Question: {question}\nReference answer: {reference}\nAnswer to grade: {answer}\n"
    "Reply with one integer from 0 (wrong or missing) to 10 (as correct and complete as the reference)."
)
_NUMBER = re.compile(r"\b(10|[0-9])\b")


def llm_judge(model: Any) -> AnswerJudge:
    """An `AnswerJudge` that asks a LangChain chat model for a 0-10 grade (scaled to [0, 1])."""

    def judge(question: str, answer: str, reference: str) -> float | None:
        reply = model.invoke(_JUDGE_PROMPT.format(question=question, reference=reference, answer=answer))
        match = _NUMBER.search(str(getattr(reply, "text", reply)))
        return None if match is None else int(match.group(1)) / 10.0

    return judge
