"""Scoring a detector itself on labelled data: ``ragfort eval-guard grounding|pii DATA``.

Each adapter (a registry, name → function) loads its labelled data, runs
ragfort's own detector on it, and returns binary items: the gold label, the
detector's score and its decision. `binary_scores` turns those into
precision, recall, F1, ROC-AUC and balanced accuracy.

- ``grounding``: the positive class is *unsupported* (the detector's job is
  to catch hallucinations). DATA is a development set name (``halueval``,
  ``begin``, ``wice``, loaded by `ragfort.grounding.devdata`) or a JSONL file
  of ``{"answer", "passages": [str], "label": 1|0, "question"?}`` with
  label 1 = supported. An answer's score is 1 − its groundedness (the weakest
  claim's support probability); evidence split over several rows of one
  claim (WiCE) counts the best row.
- ``pii``: token level. DATA is a Presidio-style synthetic JSON list
  (``full_text`` + ``spans`` with ``entity_type``, ``start_position``,
  ``end_position``; e.g. presidio_synth's generated_small.json) or its
  folder. Each whitespace token is an item: positive when it overlaps a gold
  span of a type the detector looks for, scored by the best detection
  covering it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ragfort.errors import InputError

__all__ = ["ADAPTERS", "BinaryScores", "binary_scores", "evaluate_guard"]

Items = tuple[list[int], list[float], list[int]]


@dataclass(frozen=True, slots=True)
class BinaryScores:
    """Detection quality on binary items (positive = the thing the detector looks for)."""

    detector: str
    data: str
    items: int
    positives: int
    precision: float | None
    recall: float | None
    f1: float | None
    roc_auc: float | None
    balanced_accuracy: float | None
    accuracy: float

    def to_dict(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {
            "detector": self.detector,
            "data": self.data,
            "items": self.items,
            "positives": self.positives,
            "precision": r(self.precision),
            "recall": r(self.recall),
            "f1": r(self.f1),
            "roc_auc": r(self.roc_auc),
            "balanced_accuracy": r(self.balanced_accuracy),
            "accuracy": r(self.accuracy),
        }


def _roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    # Mann-Whitney U with average ranks for ties.
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[labels == 1].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def binary_scores(
    labels: list[int], scores: list[float], predicted: list[int], *, detector: str = "", data: str = ""
) -> BinaryScores:
    """Precision, recall, F1, ROC-AUC, balanced accuracy of binary decisions and scores."""
    if not (len(labels) == len(scores) == len(predicted)):
        raise ValueError(
            f"labels, scores and predictions differ in length: {len(labels)}, {len(scores)}, {len(predicted)}"
        )
    if not labels:
        raise InputError(f"no labelled items in {data!r}")
    y = np.asarray(labels, dtype=int)
    p = np.asarray(predicted, dtype=int)
    tp = int(((y == 1) & (p == 1)).sum())
    fp = int(((y == 0) & (p == 1)).sum())
    fn = int(((y == 1) & (p == 0)).sum())
    tn = int(((y == 0) & (p == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision and recall
        else (0.0 if precision is not None and recall is not None else None)
    )
    specificity = tn / (tn + fp) if tn + fp else None
    balanced = (recall + specificity) / 2 if recall is not None and specificity is not None else None
    return BinaryScores(
        detector,
        data,
        len(y),
        int(y.sum()),
        precision,
        recall,
        f1,
        _roc_auc(y, np.asarray(scores, dtype=float)),
        balanced,
        (tp + tn) / len(y),
    )


def _grounding(data: str, limit: int | None) -> Items:
    try:
        from ragfort.grounding import GroundingScorer
        from ragfort.grounding.devdata import DATASETS, load_dataset
    except ImportError:
        raise InputError("detector 'grounding' not installed (ragfort.grounding is missing)") from None
    from ragfort.types import Passage

    examples: list[tuple[str, str, tuple[Passage, ...], int, str]] = []
    if data in DATASETS:
        examples = [
            (f"{e.dataset}:{e.group}:{e.answer}", e.answer, e.passages, e.label, e.question) for e in load_dataset(data)
        ]
    else:
        path = Path(data)
        if not path.is_file():
            raise InputError(f"grounding data {data!r} is neither a dataset ({', '.join(DATASETS)}) nor a file")
        from ragfort.grounding.calibrate import load_labelled

        examples = [(str(i), r.answer, r.passages, r.label, r.question) for i, r in enumerate(load_labelled(path), 1)]
    if limit is not None:
        examples = examples[:limit]
    scorer = GroundingScorer()
    best: dict[str, tuple[int, float, bool]] = {}
    for key, answer, passages, label, question in examples:
        report = scorer.score(answer, passages, question=question)
        g = report.groundedness
        score = 0.0 if g is None else float(g)
        supported = bool(report.checked) and all(c.supported for c in report.checked)
        prev = best.get(key)
        if prev is None or score > prev[1]:
            best[key] = (label, score, supported)
    labels = [1 - lab for lab, _, _ in best.values()]
    scores = [1.0 - s for _, s, _ in best.values()]
    predicted = [int(not sup) for _, _, sup in best.values()]
    return labels, scores, predicted


def _pii(data: str, limit: int | None) -> Items:
    try:
        from ragfort.pii import get_detector
    except ImportError:
        raise InputError("detector 'pii' not installed (ragfort.pii is missing)") from None
    path = Path(data)
    if path.is_dir():
        path = path / "generated_small.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"pii data {str(path)!r} does not exist") from None
    except ValueError as exc:
        raise InputError(f"pii data {str(path)!r} is not JSON ({exc})") from None
    if not isinstance(rows, list):
        raise InputError(f"pii data {str(path)!r}: expected a list of {{full_text, spans}} objects")
    if limit is not None:
        rows = rows[:limit]
    detector = get_detector()
    wanted = set(detector.entities)
    labels: list[int] = []
    scores: list[float] = []
    predicted: list[int] = []
    for i, row in enumerate(rows):
        try:
            text = str(row["full_text"])
            gold = [
                (int(s["start_position"]), int(s["end_position"])) for s in row["spans"] if s["entity_type"] in wanted
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path} item {i}: bad example ({exc!r})") from None
        found = detector.detect(text)
        for tok in re.finditer(r"\S+", text):
            a, b = tok.span()
            labels.append(int(any(s < b and a < e for s, e in gold)))
            covering = [d.score for d in found if d.start < b and a < d.end]
            scores.append(max(covering, default=0.0))
            predicted.append(int(bool(covering)))
    return labels, scores, predicted


ADAPTERS: dict[str, Callable[[str, int | None], Items]] = {
    "grounding": _grounding,
    "pii": _pii,
}


def evaluate_guard(detector: str, data: str, *, limit: int | None = None) -> BinaryScores:
    """Score the named detector on `data` (see the module docstring for the formats)."""
    adapter = ADAPTERS.get(detector)
    if adapter is None:
        raise InputError(f"detector {detector!r} not installed; known: {', '.join(sorted(ADAPTERS))}")
    if limit is not None and limit < 1:
        raise InputError(f"limit must be at least 1, got {limit!r}")
    labels, scores, predicted = adapter(data, limit)
    return binary_scores(labels, scores, predicted, detector=detector, data=data)
