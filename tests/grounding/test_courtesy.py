"""The courtesy head: which sentences it is asked about, its checksum, and what grounding leaves out with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

import ragfort
from ragfort.errors import ConfigError
from ragfort.grounding.courtesy import COURTESY_HEAD, CourtesyHead, candidate, head_digest, load_head


@pytest.mark.parametrize(
    "sentence", ["Good luck with the move!", "Sorry you've had such a rough week.", "Enjoy your workout 🙂"]
)
def test_courtesy_the_lists_miss_goes_to_the_head(sentence: str) -> None:
    assert candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["Sorry, refunds take 10 working days.", "Thanks, but we don't ship to PO boxes.", "Yes, happy to help!",
     "Email help@example.com with your thanks.", "Refunds go back to the card you paid with.",
     "Thanks for your patience!"],  # the last: the word lists take it already
)  # fmt: skip
def test_a_sentence_with_a_number_a_negation_an_answer_or_no_mark_never_reaches_the_head(sentence: str) -> None:
    assert not candidate(sentence)


def test_the_shipped_head_loads_with_its_checksum_and_reads_minilm_vectors() -> None:
    head = load_head()
    assert isinstance(head, CourtesyHead) and head.weights.shape == (384,) and 0.5 < head.threshold < 1.0
    assert head.embedder_model == "all-MiniLM-L6-v2"


def test_a_damaged_head_is_a_clear_error_naming_the_file(tmp_path: Path) -> None:
    data = json.loads(COURTESY_HEAD.read_text(encoding="utf-8"))
    data["weights"][0] += 0.5
    bad = tmp_path / "courtesy.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="checksum mismatch") as err:
        load_head(bad)
    assert str(bad) in str(err.value)
    with pytest.raises(ConfigError, match="missing or unreadable"):
        load_head(tmp_path / "none.json")
    assert head_digest(data["weights"], data["bias"], data["threshold"]) != data["sha256"]


def _grounded(answer: str, *, head: bool) -> list[str]:
    docs = [Document(page_content="Refunds take 5 working days to reach your card.", metadata={"doc_id": "r.md"})]
    policy = {"name": "t", "cache": {"enabled": False},
              "guards": {"output": [{"guard": "grounding", "action": "strip", "courtesy_head": head}]}}  # fmt: skip
    chain = RunnableLambda(lambda _: {"answer": answer, "context": docs})
    result = ragfort.harden(chain, policy=policy).invoke({"question": "How long do refunds take?"})
    return [c.text for c in result.claims]


def test_grounding_leaves_out_what_the_head_reads_as_courtesy_and_only_with_it_on() -> None:
    answer = "Refunds take 5 working days to reach your card. Sorry you've had such a rough week."
    assert _grounded(answer, head=True) == ["Refunds take 5 working days to reach your card."]
    assert _grounded(answer, head=False)[-1] == "Sorry you've had such a rough week."


def test_an_answer_stripped_down_to_courtesy_the_head_read_abstains() -> None:
    docs = [Document(page_content="Refunds take 5 working days to reach your card.", metadata={"doc_id": "r.md"})]
    policy = {"name": "t", "cache": {"enabled": False},
              "guards": {"output": [{"guard": "grounding", "action": "strip", "min_supported_fraction": 0.0}]}}
    answer = "Refunds take 30 working days to reach your card. Sorry you've had such a rough week."
    chain = RunnableLambda(lambda _: {"answer": answer, "context": docs})
    result = ragfort.harden(chain, policy=policy).invoke({"question": "How long do refunds take?"})
    assert [c.text for c in result.claims] == ["Refunds take 30 working days to reach your card."]  # the head's
    assert str(result.status) == "abstained" and "rough week" not in result.answer
