"""The grounding guard end to end with the real MiniLM: citations, actions, markers, edge cases."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from ragfort.context import RunContext
from ragfort.embeddings import Embedder, get_embedder
from ragfort.grounding import explain
from ragfort.guards.grounding import GroundingGuard
from ragfort.types import Action, Passage, Stage, Turn

DOCUMENTS = {
    "refunds-devices.md": (
        "# Refunds for devices\n\n"
        "Devices can be returned within 14 days of delivery. The device must be unopened and in its original "
        "packaging. Refunds are issued to the original payment method within 5 business days."
    ),
    "shipping.md": (
        "Standard shipping is free for orders over $50. Express shipping costs $12 and arrives in 2 business days."
    ),
}


def _passage(doc_id: str, start: int) -> Passage:
    return Passage(text=DOCUMENTS[doc_id][start:], doc_id=doc_id, source=f"help/{doc_id}", start=start, score=0.8)


PASSAGES = (
    _passage("refunds-devices.md", DOCUMENTS["refunds-devices.md"].index("Devices")),
    _passage("shipping.md", 0),
)
GOOD = "Devices can be returned within 14 days of delivery. Express shipping costs $12."
BAD = "Refunds are issued within 30 days."


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return get_embedder()


def _check(answer: str, embedder: Embedder, **settings: object) -> tuple[Turn, object]:
    guard = GroundingGuard(embedder=embedder, **settings)
    turn = Turn(question="How do returns work?", documents=PASSAGES, answer=answer)
    verdict = guard.check(turn, RunContext())
    return turn, verdict


def test_supported_answer_is_rewritten_with_exact_document_citations(embedder: Embedder) -> None:
    _, v = _check(GOOD, embedder)
    assert v.action is Action.REWRITE and v.turn is not None
    assert v.turn.answer == "Devices can be returned within 14 days of delivery [1]. Express shipping costs $12 [2]."
    assert [c.id for c in v.turn.citations] == [1, 2]
    for c in v.turn.citations:
        # The quote is the document text at the document-level offsets.
        assert DOCUMENTS[c.doc_id][c.start : c.end] == c.quote
        passage = next(p for p in PASSAGES if p.doc_id == c.doc_id)
        assert passage.text[c.start - passage.start : c.end - passage.start] == c.quote
    assert v.turn.citations[0].start > 0  # the heading shifted the refunds passage
    assert all(cl.supported for cl in v.turn.claims)
    assert v.turn.groundedness == v.score and v.score is not None and v.score > 0.5
    assert v.findings == ()


def test_annotate_keeps_unsupported_claims_and_reports_them(embedder: Embedder) -> None:
    answer = f"{GOOD} {BAD}"
    _, v = _check(answer, embedder, action="annotate")
    assert v.action is Action.REWRITE and v.turn is not None
    assert v.turn.answer.endswith(BAD)  # kept, not cited
    (finding,) = v.findings
    assert finding.label == "unsupported_claim"
    assert answer[finding.start : finding.end] == BAD
    assert "number 30 not in evidence" in finding.detail
    assert [c.supported for c in v.turn.claims] == [True, True, False]


def test_strip_removes_unsupported_sentences(embedder: Embedder) -> None:
    _, v = _check(f"{BAD} {GOOD}", embedder, action="strip")
    assert v.action is Action.REWRITE and v.turn is not None
    assert v.turn.answer == "Devices can be returned within 14 days of delivery [1]. Express shipping costs $12 [2]."
    assert "stripped 1 sentence" in v.reason


def test_strip_abstains_when_too_little_is_supported(embedder: Embedder) -> None:
    _, v = _check(BAD, embedder, action="strip")
    assert v.action is Action.ABSTAIN and v.turn is not None
    assert v.turn.answer.startswith("I don't know")


def test_strip_abstains_when_only_courtesy_would_be_left(embedder: Embedder) -> None:
    _, v = _check(f"Happy to help! {BAD} Hope that helps!", embedder, action="strip", min_supported_fraction=0.0)
    assert v.action is Action.ABSTAIN and v.turn is not None
    assert "nothing left after stripping" in v.reason
    # With a supported claim left, the courtesy stays as written around it.
    _, v = _check(f"Happy to help! {BAD} {GOOD}", embedder, action="strip", min_supported_fraction=0.0)
    assert v.action is Action.REWRITE and v.turn is not None
    assert v.turn.answer.startswith("Happy to help! Devices can be returned")


def test_markdown_emphasis_is_kept_in_the_answer_and_stripped_with_its_sentence(embedder: Embedder) -> None:
    bad = f"**Note:** {BAD.replace('30 days', '*30 days*')}"
    _, v = _check(f"{bad} {GOOD.replace('14 days', '**14 days**')}", embedder, action="strip",
                  min_supported_fraction=0.0)  # fmt: skip
    assert v.action is Action.REWRITE and v.turn is not None
    assert v.turn.answer.startswith("Devices can be returned within **14 days** of delivery")
    assert "Note" not in v.turn.answer and "*30" not in v.turn.answer and not v.turn.answer.startswith("*")


def test_a_reply_written_as_a_letter_keeps_its_greeting_and_sign_off(embedder: Embedder) -> None:
    letter = f"Hi Sam,\n\n{BAD} {GOOD}\n\nKind regards,\nThe Support Team"
    _, v = _check(letter, embedder, action="strip", min_supported_fraction=0.0)
    assert v.action is Action.REWRITE and v.turn is not None
    assert v.turn.answer.startswith("Hi Sam,\n\nDevices can be returned")
    assert v.turn.answer.endswith("Kind regards,\nThe Support Team")
    # Only what the passages must say is stripped; a letter of nothing but the unsupported claim abstains.
    _, v = _check(f"Hi Sam,\n\n{BAD}\n\nKind regards,\nThe Support Team", embedder, action="strip",
                  min_supported_fraction=0.0)  # fmt: skip
    assert v.action is Action.ABSTAIN


@pytest.mark.parametrize(("action", "expected"), [("abstain", Action.ABSTAIN), ("handoff", Action.ABSTAIN),
                                                  ("block", Action.BLOCK)])  # fmt: skip
def test_replacing_actions_carry_the_replacement_answer(embedder: Embedder, action: str, expected: Action) -> None:
    _, v = _check(f"{GOOD} {BAD}", embedder, action=action, handoff_message="A colleague will help you.")
    assert v.action is expected and v.turn is not None
    assert v.turn.citations == ()
    if action == "handoff":
        assert v.turn.answer == "A colleague will help you."
    _, ok = _check(GOOD, embedder, action=action)
    assert ok.action is Action.REWRITE  # nothing unsupported: nothing replaced


def test_llm_written_markers_are_corrected_or_removed(embedder: Embedder) -> None:
    answer = (
        "Devices can be returned within 14 days of delivery [2]. Express shipping costs $12 [doc7]. " + BAD + " [1]"
    )
    _, v = _check(answer, embedder, action="annotate")
    assert v.turn is not None
    assert v.turn.answer == (
        "Devices can be returned within 14 days of delivery [1]. Express shipping costs $12 [2]. " + BAD
    )
    assert "removed 3 unverified citation marker" in v.reason
    (finding,) = v.findings
    assert answer[finding.start : finding.end].startswith(BAD)


def test_no_claims_and_no_answer_are_allowed(embedder: Embedder) -> None:
    _, v = _check("   ", embedder)
    assert v.action is Action.ALLOW and v.score is None
    _, v = _check("[1][2]", embedder)
    assert v.action is Action.REWRITE and v.turn is not None and v.turn.answer == ""
    guard = GroundingGuard(embedder=embedder)
    assert guard.check(Turn(question="q"), RunContext()).action is Action.ALLOW


def test_empty_passages_make_every_claim_unsupported(embedder: Embedder) -> None:
    guard = GroundingGuard(embedder=embedder, action="annotate")
    v = guard.check(Turn(question="q", answer=GOOD), RunContext())
    assert v.action is Action.ABSTAIN  # 0 of 2 supported is below min_supported_fraction
    assert v.score == 0.0


def test_explain_renders_verdicts_quotes_and_signals(embedder: Embedder) -> None:
    _, v = _check(f"{GOOD} {BAD}", embedder, action="annotate", min_supported_fraction=0.0)
    assert v.turn is not None
    text = explain(v.turn)
    assert "supported" in text and "UNSUPPORTED" in text
    assert "help/refunds-devices.md" in text
    assert "number 30 not in evidence" in text


def test_bad_settings_and_stages_fail_loudly() -> None:
    with pytest.raises(Exception, match="action"):
        GroundingGuard(action="shrug")
    with pytest.raises(Exception, match="retrieval"):
        GroundingGuard(stage=Stage.RETRIEVAL)
    with pytest.raises(Exception, match="threshold"):
        GroundingGuard(threshold=1.5)
