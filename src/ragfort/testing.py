"""Test doubles for users' own tests and benchmarks of a hardened chain.

`ScriptedChat` stands in for a slow or flaky LLM: it answers a fixed text
after `delay_s`, fails its first `fail_first` calls with a connection error
(which `ragfort.budget` treats as transient and retries), and counts how its
calls ended, so a test can assert that a latency budget really cancelled the
call instead of leaving it running. It is async only, like the model calls
ragfort makes under a budget.

For scripted answers without delays or failures, LangChain's own
``FakeListChatModel`` is the simpler choice.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

__all__ = ["ScriptedChat"]


class ScriptedChat(BaseChatModel):
    """An async-only fake chat model that sleeps, fails on cue, and counts.

    Attributes:
        answer: the text every successful call returns.
        delay_s: how long each call takes before answering.
        fail_first: how many first calls raise ``ConnectionError`` at once.
        calls: every call, failed ones included.
        started: calls that got past the failures and began waiting.
        finished: calls that answered.
        cancelled: calls cancelled while waiting (a budget ran out).
    """

    answer: str = "ok"
    delay_s: float = 0.0
    fail_first: int = 0
    calls: int = 0
    started: int = 0
    finished: int = 0
    cancelled: int = 0

    @property
    def _llm_type(self) -> str:
        return "ragfort-scripted"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        raise NotImplementedError("ScriptedChat is async only: call it with ainvoke (ragfort does under a budget)")

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise ConnectionError("connection reset by peer")
        self.started += 1
        try:
            await asyncio.sleep(self.delay_s)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.finished += 1
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.answer))])
