"""Scoring detectors themselves: binary metrics and the adapter registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragfort.errors import InputError
from ragfort.evals.guard_eval import binary_scores, evaluate_guard


def test_binary_scores_match_hand_counts() -> None:
    labels = [1, 1, 1, 0, 0, 0, 0, 1]
    predicted = [1, 1, 0, 1, 0, 0, 0, 1]
    scores = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.4, 0.6]
    s = binary_scores(labels, scores, predicted)
    # tp=3 fp=1 fn=1 tn=3
    assert s.precision == 0.75 and s.recall == 0.75 and s.f1 == pytest.approx(0.75)
    assert s.balanced_accuracy == 0.75
    # positives 0.9 0.8 0.3 0.6 vs negatives 0.7 0.2 0.1 0.4: 13 of 16 pairs ordered right
    assert s.roc_auc == pytest.approx(13 / 16)


def test_roc_auc_counts_ties_as_half() -> None:
    assert binary_scores([1, 0], [0.5, 0.5], [1, 1]).roc_auc == 0.5


def test_an_unknown_detector_is_named_in_the_error() -> None:
    with pytest.raises(InputError, match="detector 'toxicity' not installed"):
        evaluate_guard("toxicity", "x")


@pytest.mark.slow
def test_pii_detector_is_scored_per_token(tmp_path: Path) -> None:
    pytest.importorskip("ragfort.pii")
    data = [
        {
            "full_text": "Call me at 212-555-0199 please",
            "spans": [
                {
                    "entity_type": "PHONE_NUMBER",
                    "entity_value": "212-555-0199",
                    "start_position": 11,
                    "end_position": 23,
                }
            ],
        },
        {
            "full_text": "Email maria.g@example.com today",
            "spans": [
                {
                    "entity_type": "EMAIL_ADDRESS",
                    "entity_value": "maria.g@example.com",
                    "start_position": 6,
                    "end_position": 25,
                }
            ],
        },
    ]
    path = tmp_path / "synth.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    scores = evaluate_guard("pii", str(path))
    assert scores.items == 8 and scores.positives == 2
    assert scores.recall == 1.0


@pytest.mark.slow
def test_grounding_scorer_separates_supported_from_invented_answers(tmp_path: Path) -> None:
    pytest.importorskip("ragfort.grounding")
    passage = "Devices can be returned within 14 calendar days of delivery. Refunds reach your card in 5-7 days."
    rows = [
        {"answer": "Devices can be returned within 14 calendar days of delivery.", "passages": [passage], "label": 1},
        {"answer": "Refunds reach your card in 5-7 days.", "passages": [passage], "label": 1},
        {
            "answer": "Devices can be returned within 90 days and shipping is free to Mars.",
            "passages": [passage],
            "label": 0,
        },
        {"answer": "Our stores open at 6 am every Sunday in Paris.", "passages": [passage], "label": 0},
    ]
    path = tmp_path / "grounding.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    scores = evaluate_guard("grounding", str(path))
    assert scores.items == 4 and scores.positives == 2  # positive = unsupported
    assert scores.roc_auc == 1.0


def test_a_malformed_grounding_file_names_the_line(tmp_path: Path) -> None:
    pytest.importorskip("ragfort.grounding")
    path = tmp_path / "bad.jsonl"
    path.write_text('{"answer": "x", "passages": ["y"], "label": 1}\n{"answer": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        evaluate_guard("grounding", str(path))
