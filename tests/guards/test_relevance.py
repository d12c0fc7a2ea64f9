"""The relevance guard: abstain before generation when nothing retrieved is relevant enough."""

from __future__ import annotations

import pytest

from ragfort.context import RunContext
from ragfort.errors import ConfigError
from ragfort.guards.relevance import DEFAULT_MIN_SCORE, RelevanceGuard
from ragfort.types import Action, Passage, Stage, Turn


def _turn(*scores: float | None) -> Turn:
    return Turn(question="How long do refunds take?", documents=tuple(Passage(text="t", doc_id=f"d{i}", score=s)
                                                                        for i, s in enumerate(scores)))  # fmt: skip


def test_a_relevant_passage_lets_the_turn_through() -> None:
    v = RelevanceGuard(min_score=0.4).check(_turn(0.2, 0.55), RunContext())
    assert v.action is Action.ALLOW
    assert v.score == pytest.approx(0.55)


def test_no_relevant_passage_abstains_with_the_message_as_answer() -> None:
    v = RelevanceGuard(min_score=0.4, abstain_message="No idea.").check(_turn(0.2, 0.39), RunContext())
    assert v.action is Action.ABSTAIN
    assert v.turn is not None and v.turn.answer == "No idea."
    assert "0.390 < min_score 0.400" in v.reason


def test_no_passages_abstains_and_unscored_passages_are_not_judged() -> None:
    assert RelevanceGuard().check(_turn(), RunContext()).action is Action.ABSTAIN
    assert RelevanceGuard(abstain_without_passages=False).check(_turn(), RunContext()).action is Action.ALLOW
    v = RelevanceGuard().check(_turn(None, None), RunContext())
    assert v.action is Action.ALLOW and "no retrieval score" in v.reason


def test_default_and_bad_settings() -> None:
    assert RelevanceGuard().settings.min_score == DEFAULT_MIN_SCORE
    with pytest.raises(ValueError, match="min_score"):
        RelevanceGuard(min_score=1.2)
    with pytest.raises(ConfigError, match="output"):
        RelevanceGuard(stage=Stage.OUTPUT)
