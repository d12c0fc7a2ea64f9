"""The optional judge tiers: the NLI cross-encoder's entailment reading, and the LLM's verdict parsing."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.language_models import FakeListChatModel

from ragfort.errors import ConfigError
from ragfort.grounding.judges import CrossEncoderJudge, LLMJudge, SupportJudge

PAIR = ("Devices can be returned within 14 days.", "You have two weeks to return a device.")


class NLIModel:
    """A stand-in for a sentence-transformers CrossEncoder: fixed outputs per call, and a label map."""

    def __init__(self, rows: list[Any], id2label: dict[int, str] | None = None) -> None:
        self.rows = rows
        self.config = SimpleNamespace(id2label=id2label or {})
        self.seen: list[list[str]] = []

    def predict(self, pairs: list[list[str]]) -> list[Any]:
        self.seen.extend(pairs)
        return self.rows[: len(pairs)]


def test_the_entailment_class_is_found_by_name_and_logits_are_softmaxed() -> None:
    model = NLIModel([[2.0, 0.0, -1.0]], {0: "contradiction", 1: "neutral", 2: "ENTAILMENT"})
    judge = CrossEncoderJudge(model)
    (p,) = judge.judge([PAIR])
    exps = [math.exp(2.0), math.exp(0.0), math.exp(-1.0)]
    assert p == pytest.approx(exps[2] / sum(exps))
    assert model.seen == [list(PAIR)]


def test_probabilities_are_read_as_they_are_and_one_output_is_a_support_score() -> None:
    probs = CrossEncoderJudge(NLIModel([[0.1, 0.7, 0.2]]), entailment_label=1)
    assert probs.judge([PAIR]) == [pytest.approx(0.7)]
    single = CrossEncoderJudge(NLIModel([0.8, 3.0]))
    squashed, logit = single.judge([PAIR, PAIR])
    assert squashed == pytest.approx(0.8)
    assert logit == pytest.approx(1 / (1 + math.exp(-3.0)))
    assert single.judge([]) == []


def test_several_outputs_without_an_entailment_label_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="entailment"):
        CrossEncoderJudge(NLIModel([[0.2, 0.8]], {0: "no", 1: "yes"})).judge([PAIR])
    with pytest.raises(ConfigError, match="not a folder"):
        CrossEncoderJudge(str(tmp_path / "absent"))
    with pytest.raises(ConfigError, match="predict"):
        CrossEncoderJudge(object())


def test_the_llm_verdict_is_parsed_from_its_reply() -> None:
    llm = FakeListChatModel(responses=["SUPPORTED", "Unsupported: the evidence says 14 days.", "Not supported.", "?"])
    judge = LLMJudge(llm, confidence=0.8)
    assert judge.judge([PAIR] * 4) == [pytest.approx(0.8), pytest.approx(0.2), pytest.approx(0.2), None]


def test_the_llm_judge_checks_what_it_is_given() -> None:
    with pytest.raises(ConfigError, match="invoke"):
        LLMJudge(object())
    with pytest.raises(ConfigError, match="confidence"):
        LLMJudge(FakeListChatModel(responses=["x"]), confidence=0.5)


def test_both_tiers_are_support_judges() -> None:
    assert isinstance(LLMJudge(FakeListChatModel(responses=["x"])), SupportJudge)
    assert isinstance(CrossEncoderJudge(NLIModel([0.5])), SupportJudge)
