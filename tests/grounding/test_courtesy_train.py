"""The courtesy head's training data and threshold choice (the training itself is a dev-time step, never run here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ragfort.grounding.courtesy_train import CLOSINGS, OPENINGS, THRESHOLDS, choose_threshold, joins, training_set


def test_joins_wrap_a_statement_in_courtesy_without_changing_it() -> None:
    out = joins(["Refunds take 5 days.", "Cards are blocked at once.", "Bills come monthly.", "Fees apply."])
    assert out[0] == OPENINGS[0] + "refunds take 5 days."
    assert out[2] == "Bills come monthly" + CLOSINGS[0]


def test_the_training_set_puts_the_labelled_lines_first_and_every_statement_negative(tmp_path: Path) -> None:
    lines = tmp_path / "lines.jsonl"
    rows = [{"id": "ct-001", "text": "Thanks so much!", "courtesy": True, "kind": "thanks", "split": "dev"},
            {"id": "ct-002", "text": "Refunds take 5 days.", "courtesy": False, "kind": "fact_in_polite_form",
             "split": "test"}]  # fmt: skip
    lines.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    data = training_set((lines, tmp_path / "absent.jsonl"), statements=20, joined=10)
    assert data.lines == 2 and data.texts[:2] == ["Thanks so much!", "Refunds take 5 days."]
    assert data.labels[:2] == [1, 0] and set(data.labels[2:]) == {0} and len(data.texts) == 32


def test_the_threshold_is_the_lowest_that_takes_no_fact_line() -> None:
    rng = np.random.default_rng(0)
    # Separable toy vectors: courtesy lines along +x, facts and statements along -x.
    labels = [1] * 20 + [0] * 20 + [0] * 40
    vectors = np.array([[1.0 if y else -1.0, *rng.normal(0, 0.1, 3)] for y in labels], dtype=np.float32)

    class Data:
        lines = 40

    data = Data()
    data.labels = labels  # type: ignore[attr-defined]
    threshold, table = choose_threshold(vectors, data, [True] * 40)  # type: ignore[arg-type]
    assert threshold == THRESHOLDS[0] and all(row["facts_taken"] == 0 for row in table)
    assert table[0]["courtesy_taken"] == 20
