"""The words ragfort says itself: one default per reply, used by the policy and the guards alike."""

from __future__ import annotations

import ast
import inspect

from langchain_core.runnables import RunnableLambda

import ragfort
from ragfort import replies
from ragfort.guards.relevance import RelevanceSettings
from ragfort.policy import Policy
from ragfort.replies import ABSTAIN_MESSAGE, BLOCKED_MESSAGE
from ragfort.types import Status


def test_the_policy_and_the_relevance_guard_default_to_the_same_words() -> None:
    messages = Policy.passthrough().messages
    assert (messages.abstain, messages.blocked) == (ABSTAIN_MESSAGE, BLOCKED_MESSAGE)
    assert RelevanceSettings().abstain_message == ABSTAIN_MESSAGE
    assert ABSTAIN_MESSAGE != BLOCKED_MESSAGE


def test_a_policy_can_set_its_own_words() -> None:
    policy = Policy.from_mapping({"name": "p", "messages": {"blocked": "Not here, sorry."}})
    assert (policy.messages.abstain, policy.messages.blocked) == (ABSTAIN_MESSAGE, "Not here, sorry.")


def test_a_blocked_request_answers_with_the_default_refusal() -> None:
    policy = {"name": "p", "guards": {"input": [{"guard": "question_length", "max_chars": 10}]}}
    guarded = ragfort.harden(RunnableLambda(lambda _: {"answer": "never asked"}), policy=policy, cache=False)
    result = guarded.invoke("A question far longer than ten characters?")
    assert result.status is Status.BLOCKED and result.answer == BLOCKED_MESSAGE


def test_the_module_imports_nothing_so_any_layer_may_use_it() -> None:
    tree = ast.parse(inspect.getsource(replies))
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [getattr(n, "module", None) for n in imports] == ["__future__"]
