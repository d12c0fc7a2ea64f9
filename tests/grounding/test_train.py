"""The support-model training helpers that need no scikit-learn: the vector cache, perturbations, thresholds.

Nothing here trains: fitting (`fit`, `metrics`) needs the dev extra and
runs in ``python -m ragfort.grounding.train``, not in the test suite.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from ragfort.grounding.devdata import Example
from ragfort.grounding.model import FEATURES, SupportModel
from ragfort.grounding.train import VETO_MARGIN, VectorCache, augment, best_threshold, collapse, format_table, with_cap
from ragfort.types import Passage

PASSAGE = (Passage(text="Devices can be returned within 14 days. Ask Northbeam Support.", doc_id="d"),)


def _example(answer: str, label: int, *, dataset: str = "halueval", group: str = "g") -> Example:
    return Example(dataset, group, answer, PASSAGE, label, "How long?")


def test_the_vector_cache_embeds_each_text_once_and_persists(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> npt.NDArray[np.float32]:
        calls.append(texts)
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    path = tmp_path / "cache" / "vectors.npz"
    cache = VectorCache(path)
    cache.ensure(["alpha", "beta", "alpha"], encode)
    cache.ensure(["beta", "gamma"], encode)
    assert calls == [["alpha", "beta"], ["gamma"]]
    reloaded = VectorCache(path)
    reloaded.ensure(["alpha", "beta", "gamma"], encode)
    assert len(calls) == 2  # everything came from the file
    assert reloaded.get("gamma").tolist() == [5.0, 1.0]


def test_augment_adds_unsupported_edits_of_supported_answers_only() -> None:
    examples = [
        _example("Devices can be returned within 14 days.", 1, group="a"),
        _example("Devices are returned by Northbeam Support.", 1, group="b"),
        _example("Devices can never be returned.", 0, group="c"),
    ]
    edited = augment(examples, rate=1.0, seed=3)
    assert [e.group for e in edited] == ["a", "b"]
    for new, old in zip(edited, examples, strict=False):
        assert new.label == 0 and new.answer != old.answer
        assert (new.dataset, new.passages, new.question) == (old.dataset, old.passages, old.question)
    assert augment(examples, rate=1.0, seed=3) == edited  # reproducible
    assert augment(examples, rate=0.0, seed=3) == []


def test_collapse_keeps_the_best_evidence_row_of_each_wice_claim() -> None:
    examples = [
        _example("claim", 1, dataset="wice", group="w1"),
        _example("claim", 1, dataset="wice", group="w1"),
        _example("other", 0, dataset="halueval", group="h1"),
        _example("other", 0, dataset="halueval", group="h1"),
    ]
    scores, labels, datasets = collapse(examples, [0, 1, 2, 3], np.array([0.2, 0.7, 0.4, 0.1]))
    assert scores.tolist() == [0.7, 0.4, 0.1]  # one WiCE row, every other example on its own
    assert labels.tolist() == [1, 0, 0] and datasets == ["wice", "halueval", "halueval"]


def test_best_threshold_separates_separable_scores_in_every_dataset() -> None:
    rng = random.Random(5)
    scores, labels, datasets = [], [], []
    for name in ("a", "b"):
        for _ in range(30):
            # Three decimals: the candidate thresholds (the scores rounded to four) are the scores themselves.
            scores += [round(rng.uniform(0.61, 1.0), 3), round(rng.uniform(0.0, 0.39), 3)]
            labels += [1, 0]
            datasets += [name, name]
    t = best_threshold(np.array(scores), np.array(labels), datasets)
    assert max(s for s, y in zip(scores, labels, strict=True) if y == 0) < t
    assert t <= min(s for s, y in zip(scores, labels, strict=True) if y == 1)


def test_with_cap_moves_the_veto_cap_and_band_with_the_threshold() -> None:
    k = len(FEATURES)
    model = SupportModel(weights=(1.0,) * k, intercept=0.0, mean=(0.0,) * k, scale=(1.0,) * k, threshold=0.5,
                         band=(0.35, 0.65), vetoes=("contradiction",), veto_cap=0.2)  # fmt: skip
    capped = with_cap(model, 0.62)
    assert capped.threshold == 0.62 and capped.veto_cap == pytest.approx(0.62 - VETO_MARGIN)
    assert capped.band == pytest.approx((0.47, 0.77)) and capped.weights == model.weights


def test_format_table_shows_each_row_and_own_thresholds() -> None:
    row = {"protocol": "leave-one-out", "dataset": "wice", "method": "model", "n": 12, "threshold": 0.456,
           "auc": 0.81234, "balanced_accuracy": 0.7, "f1_unsupported": 0.66}  # fmt: skip
    head, rule, first, second = format_table([row, row | {"threshold": float("nan")}]).splitlines()
    assert head.split() == ["protocol", "dataset", "method", "n", "thr", "AUC", "bal-acc", "F1-uns"]
    assert set(rule) == {"-"} and len(rule) == len(head)
    assert first.split() == ["leave-one-out", "wice", "model", "12", "0.456", "0.812", "0.700", "0.660"]
    assert second.split()[4] == "own"
