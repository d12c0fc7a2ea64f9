"""The vocabulary: immutable, validated, and serialised exactly as the contract says."""

from __future__ import annotations

import dataclasses

import pytest

from ragfort import (
    Action,
    AnswerChunk,
    Budget,
    BudgetReport,
    Citation,
    Claim,
    GuardedAnswer,
    Redaction,
    Stage,
    Status,
    Turn,
    Verdict,
)


def test_turns_are_immutable_and_evolve_into_new_ones() -> None:
    t = Turn(question="q")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.question = "x"  # type: ignore[misc]
    t2 = t.evolve(answer="a")
    assert t.answer is None and t2.answer == "a" and t2.question == "q"


def test_rewrite_verdict_needs_a_turn() -> None:
    with pytest.raises(ValueError, match="must carry the new turn"):
        Verdict("pii", Stage.INPUT, Action.REWRITE)


def test_verdict_score_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match=r"score must be in \[0, 1\], got 1.5"):
        Verdict("g", Stage.OUTPUT, Action.ALLOW, score=1.5)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "100", True])
def test_budget_rejects_bad_values(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        Budget(bad)  # type: ignore[arg-type]


def test_budget_parts_and_unknown_stage() -> None:
    b = Budget(500, generation=300)
    assert b.part("generation") == 300 and b.part("input") is None
    with pytest.raises(ValueError, match="unknown budget stage 'llm'"):
        b.part("llm")


def test_guarded_answer_to_dict_is_the_contract() -> None:
    result = GuardedAnswer(
        answer="Devices can be returned within 14 days [1].",
        status=Status.REDACTED,
        citations=(Citation(1, "returns/devices.md", "src", 10, 20, "0123456789", 0.912345),),
        claims=(Claim("Devices can be returned within 14 days.", True, 0.9, (1,), signals=("x",)),),
        groundedness=0.9,
        redactions=(Redaction(Stage.INPUT, "EMAIL_ADDRESS", "<EMAIL_ADDRESS_1>"),),
        verdicts=(Verdict("pii", Stage.INPUT, Action.REWRITE, 0.99, "1 entity", turn=Turn("q")),),
        timings_ms={"total": 1.23456},
        budget=BudgetReport(3000, ("generation",)),
        trace_id="t",
    )
    d = result.to_dict()
    assert d == {
        "answer": "Devices can be returned within 14 days [1].",
        "status": "redacted",
        "citations": [
            {
                "id": 1,
                "doc_id": "returns/devices.md",
                "source": "src",
                "start": 10,
                "end": 20,
                "quote": "0123456789",
                "score": 0.9123,
            }
        ],
        "claims": [
            {"text": "Devices can be returned within 14 days.", "supported": True, "score": 0.9, "citation_ids": [1]}
        ],
        "groundedness": 0.9,
        "redactions": [{"stage": "input", "entity": "EMAIL_ADDRESS", "placeholder": "<EMAIL_ADDRESS_1>"}],
        "verdicts": [{"guard": "pii", "stage": "input", "action": "rewrite", "score": 0.99, "reason": "1 entity"}],
        "cache": "miss",
        "timings_ms": {"total": 1.235},
        "budget": {"total_ms": 3000, "degraded": ["generation"]},
        "trace_id": "t",
    }


def test_stream_chunks_sum_to_the_final_result() -> None:
    final = GuardedAnswer(answer="a b", status=Status.OK)
    total = AnswerChunk("a ") + AnswerChunk("b")
    assert total == AnswerChunk("a b")
    assert total + final is final
