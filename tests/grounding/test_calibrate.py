"""Calibrating the grounding threshold on a user's own labelled answers."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from ragfort.embeddings import Embedder
from ragfort.errors import InputError
from ragfort.grounding import GroundingScorer
from ragfort.grounding.calibrate import LabelledAnswer, _rates, calibrate, choose_threshold, main
from ragfort.types import Passage


def test_the_chosen_threshold_separates_separable_scores() -> None:
    rng = random.Random(3)
    cut = rng.uniform(0.3, 0.7)
    good = [rng.uniform(cut + 0.01, 1.0) for _ in range(40)]
    bad = [rng.uniform(0.0, cut - 0.01) for _ in range(25)]
    t = choose_threshold(good + bad, [1] * 40 + [0] * 25)
    assert max(bad) < t <= min(good)


@pytest.mark.parametrize("objective", ["balanced_accuracy", "f1_unsupported"])
def test_no_threshold_on_a_grid_does_better_than_the_chosen_one(objective: str) -> None:
    rng = random.Random(7)
    scores = [rng.random() for _ in range(300)]
    labels = [int(s + rng.gauss(0, 0.25) > 0.55) for s in scores]
    k = 0 if objective == "balanced_accuracy" else 1
    chosen = _rates(scores, labels, choose_threshold(scores, labels, objective=objective))[k]  # type: ignore[arg-type]
    assert all(_rates(scores, labels, g / 200)[k] <= chosen + 1e-12 for g in range(1, 201))


def test_ties_go_to_the_threshold_nearest_the_prior() -> None:
    scores, labels = [0.1, 0.9], [0, 1]
    # Every threshold in (0.1, 0.9] is perfect; the prior decides among them.
    assert choose_threshold(scores, labels, prior=0.3) == pytest.approx(0.5)
    low = choose_threshold([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], prior=0.3)
    assert 0.2 < low <= 0.8


def test_calibration_needs_both_labels() -> None:
    with pytest.raises(InputError, match="labels 0 and 1"):
        choose_threshold([0.2, 0.4], [1, 1])
    with pytest.raises(InputError, match="differ in length"):
        choose_threshold([0.2], [1, 0])


ROWS = [
    ("How long do I have to return a device?", "You can return a device within 14 days after delivery.", 1),
    ("How long do I have to return a device?", "Devices can be returned within 30 days of delivery.", 0),
    ("Is express shipping fast?", "Express shipping costs $12 and arrives in 2 business days.", 1),
    ("Is express shipping fast?", "Express shipping costs $25 and arrives overnight.", 0),
    ("Which dock works with the charger?", "The Voltwise Pro charger works with the Voltwise Mini dock.", 0),
    ("What does the charger deliver?", "The Voltwise Pro charger delivers 65 W through USB-C ports.", 1),
    ("Is shipping free?", "Orders over $50 get free standard shipping.", 1),
    ("Is shipping free?", "Standard shipping is free for every order, whatever its size.", 0),
]


def _rows(passages: tuple[Passage, ...]) -> list[LabelledAnswer]:
    return [LabelledAnswer(answer, passages, label, question) for question, answer, label in ROWS]


def test_calibrating_never_does_worse_than_the_shipped_threshold_on_its_rows(
    embedder: Embedder, passages: tuple[Passage, ...]
) -> None:
    cal = calibrate(_rows(passages), scorer=GroundingScorer(embedder=embedder))
    assert cal.n == len(ROWS) and cal.unsupported == sum(1 for *_, y in ROWS if y == 0)
    assert 0.0 < cal.threshold <= 1.0
    assert cal.balanced_accuracy >= cal.shipped_balanced_accuracy
    snippet = cal.policy_snippet()
    assert "guard: grounding" in snippet
    assert float(re.search(r"threshold: ([0-9.]+)", snippet).group(1)) == pytest.approx(cal.threshold, abs=1e-3)  # type: ignore[union-attr]


def test_a_calibrated_threshold_is_accepted_by_the_scorer(embedder: Embedder, passages: tuple[Passage, ...]) -> None:
    cal = calibrate(_rows(passages), scorer=GroundingScorer(embedder=embedder))
    scorer = GroundingScorer(embedder=embedder, threshold=cal.threshold)
    # A contradicted amount stays unsupported at whatever threshold was chosen.
    report = scorer.score("Devices can be returned within 30 days of delivery.", passages)
    assert report.claims and not report.claims[0].supported


def test_the_command_prints_a_policy_snippet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], passages: tuple[Passage, ...]
) -> None:
    path = tmp_path / "labelled.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for question, answer, label in ROWS:
            fh.write(json.dumps({"question": question, "answer": answer, "passages": [p.text for p in passages],
                                 "label": label}) + "\n")  # fmt: skip
    assert main([str(path), "--holdout", "0.25"]) == 0
    out = capsys.readouterr().out
    assert "held-out 2 rows" in out
    assert re.search(r"^  threshold: 0\.\d{3}$", out, re.MULTILINE)


def test_the_command_names_a_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"answer": "x", "passages": ["y"], "label": 2}\n', encoding="utf-8")
    assert main([str(path)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().out
