"""The question-length guard: over-long questions and ones without letters are refused before anything runs."""

from __future__ import annotations

import pytest

from ragfort.context import RunContext
from ragfort.errors import ConfigError, PolicyError
from ragfort.guards.question import QuestionLengthGuard
from ragfort.policy import Policy
from ragfort.types import Action, Stage, Turn


def _action(guard: QuestionLengthGuard, question: str) -> Action:
    return guard.check(Turn(question=question), RunContext()).action


def test_a_normal_question_passes_and_limits_are_inclusive() -> None:
    guard = QuestionLengthGuard(max_chars=20)
    assert _action(guard, "How do I return it?") is Action.ALLOW
    assert _action(guard, "x" * 20) is Action.ALLOW


def test_an_over_long_question_is_blocked_with_its_length() -> None:
    verdict = QuestionLengthGuard(max_chars=20).check(Turn(question="y" * 21), RunContext())
    assert verdict.action is Action.BLOCK and verdict.reason == "question is 21 characters; limit 20"
    assert (verdict.guard, verdict.stage) == ("question_length", Stage.INPUT)


def test_a_question_with_too_few_letters_or_digits_is_blocked() -> None:
    guard = QuestionLengthGuard()
    assert _action(guard, "?!? ...") is Action.BLOCK
    assert _action(guard, "a?") is Action.BLOCK
    assert _action(guard, "ok?") is Action.ALLOW
    assert _action(QuestionLengthGuard(min_alnum=0), "???") is Action.ALLOW


def test_it_runs_only_on_input_and_needs_a_positive_limit() -> None:
    with pytest.raises(ConfigError, match="cannot run at stage 'output'"):
        QuestionLengthGuard(stage=Stage.OUTPUT)
    with pytest.raises(ValueError, match="max_chars must be positive"):
        QuestionLengthGuard(max_chars=0)
    with pytest.raises(PolicyError, match="max_chars"):
        Policy.from_mapping({"name": "p", "guards": {"input": [{"guard": "question_length", "max_chars": 0}]}})
