"""The grounding guard as guards/support_agent.yaml sets it: correct support answers kept first.

Its operating point (docs/grounding.md, "The support_agent operating point") was chosen on the
dev split of evals/grounding to strip at most 5% of correct answers: the learned support judge
blended with the feature model, sentences checked whole, a low claim threshold. These examples
are written for the tests (not taken from the evaluation cases).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ragfort
from ragfort.context import RunContext
from ragfort.guards.grounding import GroundingGuard
from ragfort.types import Action, Passage, Stage, Turn, Verdict

REPO = Path(__file__).resolve().parents[2]
POINTS = (
    Passage(
        text="## Rewards\n\nPaying your plan bill by autopay earns 2 points per dollar. "
        "Bills paid any other way earn 1 point per dollar.",
        doc_id="rewards/points.md",
    ),
)
POINTS_QUESTION = "How many points do I get on my bill?"
STUDENT = (
    Passage(
        text="## Student account\n\nThe Student account is only for full-time students at a UK university. "
        "Part-time students can open an Everyday account.",
        doc_id="accounts/student.md",
    ),
)
STUDENT_QUESTION = "Can I get a Student account if I study part-time?"


@pytest.fixture(scope="module")
def shipped() -> GroundingGuard:
    policy = ragfort.load_policy(REPO / "guards" / "support_agent.yaml")
    (guard,) = [g for g in policy.guards[Stage.OUTPUT] if g.name == "grounding"]
    assert isinstance(guard, GroundingGuard)
    return guard


def _check(guard: GroundingGuard, question: str, passages: tuple[Passage, ...], answer: str) -> Verdict:
    return guard.check(Turn(question=question, documents=passages, answer=answer), RunContext())


def _kept_whole(verdict: Verdict) -> bool:
    return (
        verdict.action is Action.REWRITE and verdict.turn is not None and all(c.supported for c in verdict.turn.claims)
    )


def test_support_agent_reads_claims_with_the_learned_judge_and_whole_sentences(shipped: GroundingGuard) -> None:
    s = shipped.settings
    assert s.action == "strip" and s.learned_judge and not s.split_clauses
    assert shipped.scorer.learned is not None
    assert s.threshold is not None and s.threshold < shipped.scorer.model.threshold


def test_a_correct_answer_with_a_contrasting_negation_is_kept(shipped: GroundingGuard) -> None:
    answer = "With autopay you get 2 points per dollar; without autopay it's 1 point per dollar."
    assert _kept_whole(_check(shipped, POINTS_QUESTION, POINTS, answer))
    # The feature model alone reads "without autopay" as contradicting the passage and abstains.
    before = _check(GroundingGuard(action="strip"), POINTS_QUESTION, POINTS, answer)
    assert before.action is Action.ABSTAIN


def test_a_correct_paraphrase_drawing_the_consequence_is_kept(shipped: GroundingGuard) -> None:
    answer = "It's only for full-time students, so you'd need an Everyday account instead."
    assert _kept_whole(_check(shipped, STUDENT_QUESTION, STUDENT, answer))


def test_a_contradicted_amount_is_still_caught(shipped: GroundingGuard) -> None:
    verdict = _check(shipped, POINTS_QUESTION, POINTS, "With autopay you get 3 points per dollar.")
    assert verdict.action is Action.ABSTAIN
    assert verdict.turn is not None and verdict.turn.answer != "With autopay you get 3 points per dollar."
