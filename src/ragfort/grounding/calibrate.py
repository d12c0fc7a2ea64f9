"""Choose the grounding threshold for your own data: ``python -m ragfort.grounding.calibrate FILE``.

The shipped threshold in params.json is one number chosen over three
development sets whose best thresholds differ (short copied answers, chat
responses, long paraphrased claims). Your answers are a fourth kind. A few
hundred of them, labelled supported or not, are enough to choose the
threshold that suits them; the model and its features stay the same.

FILE is JSONL, one labelled answer a line, the format ``ragfort eval-guard
grounding`` reads::

    {"answer": "...", "passages": ["...", "..."], "label": 1, "question": "..."}

``label`` is 1 for supported, 0 for unsupported; ``question`` is optional.
The command scores every answer (its weakest claim's support probability,
with every claim scored by the model: no lexical short cut, whose
probabilities are bounds), chooses the threshold that maximises balanced
accuracy (or F1 of the unsupported class, ``--objective f1``) and prints
the policy lines to paste::

    - guard: grounding
      threshold: 0.43

Claims with a contradicted number, name or polarity stay unsupported at any
threshold (the guard lowers the veto cap with the threshold), so they are
scored here as if always rejected.

Check the chosen threshold on answers it was not chosen on before relying
on it: with few labelled rows it fits them more closely than it will fit
tomorrow's traffic (``--holdout`` reports the numbers on a held-out share).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ragfort.errors import InputError
from ragfort.grounding.model import SupportModel, load_model
from ragfort.grounding.scorer import GroundingScorer
from ragfort.types import Passage

__all__ = ["Calibration", "LabelledAnswer", "Objective", "calibrate", "choose_threshold", "load_labelled", "main"]

Objective = Literal["balanced_accuracy", "f1_unsupported"]
OBJECTIVES: tuple[Objective, ...] = ("balanced_accuracy", "f1_unsupported")


@dataclass(frozen=True, slots=True)
class LabelledAnswer:
    """One answer with its passages and a gold label (1 = supported, 0 = unsupported)."""

    answer: str
    passages: tuple[Passage, ...]
    label: int
    question: str = ""


@dataclass(frozen=True, slots=True)
class Calibration:
    """A threshold chosen on labelled answers, and how it and the shipped one do there.

    Attributes:
        threshold: the chosen support threshold (a claim needs at least this probability).
        objective: what it maximises.
        n: labelled answers scored.
        unsupported: how many of them are labelled unsupported.
        balanced_accuracy: balanced accuracy of detecting unsupported answers at `threshold`.
        f1_unsupported: F1 of the unsupported class at `threshold`.
        shipped_threshold: the threshold of the model used.
        shipped_balanced_accuracy: balanced accuracy at the shipped threshold, for comparison.
        shipped_f1_unsupported: F1 of the unsupported class at the shipped threshold.
    """

    threshold: float
    objective: Objective
    n: int
    unsupported: int
    balanced_accuracy: float
    f1_unsupported: float
    shipped_threshold: float
    shipped_balanced_accuracy: float
    shipped_f1_unsupported: float

    def policy_snippet(self) -> str:
        """The policy lines that set this threshold (an entry of a stage's guard list)."""
        return f"- guard: grounding\n  threshold: {self.threshold:.3f}"


def _rates(scores: Sequence[float], labels: Sequence[int], threshold: float) -> tuple[float, float]:
    """Balanced accuracy and unsupported-class F1 when answers scoring below `threshold` are flagged."""
    tp = fp = fn = tn = 0
    for s, y in zip(scores, labels, strict=True):
        flagged = s < threshold
        if y == 0:
            tp, fn = tp + flagged, fn + (not flagged)
        else:
            fp, tn = fp + flagged, tn + (not flagged)
    recall = tp / (tp + fn) if tp + fn else 0.0
    specificity = tn / (tn + fp) if tn + fp else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return 0.5 * (recall + specificity), f1


def choose_threshold(
    scores: Sequence[float],
    labels: Sequence[int],
    *,
    objective: Objective = "balanced_accuracy",
    prior: float = 0.5,
) -> float:
    """The threshold that best separates supported (label 1) from unsupported (label 0) answers.

    Candidates are the midpoints between consecutive distinct scores, so the
    choice does not sit on a training answer's score. Among equally good
    candidates the one nearest `prior` (the shipped threshold) wins: with few
    rows, many thresholds tie, and the prior is the better-informed guess.

    Args:
        scores: support scores in [0, 1] (an answer's weakest claim's probability).
        labels: 1 = supported, 0 = unsupported.
        objective: ``balanced_accuracy`` or ``f1_unsupported``.
        prior: tie-breaker, usually the model's own threshold.

    Raises:
        InputError: without both classes, or on mismatched lengths or a bad objective.
    """
    if objective not in OBJECTIVES:
        raise InputError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if len(scores) != len(labels):
        raise InputError(f"scores and labels differ in length: {len(scores)} and {len(labels)}")
    if not (set(labels) >= {0, 1}) or not set(labels) <= {0, 1}:
        raise InputError(f"calibration needs labels 0 and 1, both present; got {sorted(set(labels))!r}")
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels)
    distinct = np.unique(s)
    # Midpoints between neighbours, plus the two ends (flag nothing / flag everything).
    candidates = np.concatenate([(distinct[:-1] + distinct[1:]) / 2, [max(1e-6, distinct[0])],
                                 [min(1.0, distinct[-1] + 1e-6)]])  # fmt: skip
    candidates = candidates[(candidates > 0.0) & (candidates <= 1.0)]
    # Flagged = score < t: count each class below every candidate at once.
    bad = np.sort(s[y == 0])
    good = np.sort(s[y == 1])
    tp = np.searchsorted(bad, candidates, side="left").astype(np.float64)
    fp = np.searchsorted(good, candidates, side="left").astype(np.float64)
    recall = tp / len(bad)
    specificity = 1.0 - fp / len(good)
    if objective == "balanced_accuracy":
        value = 0.5 * (recall + specificity)
    else:
        precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
        value = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(tp),
                          where=(precision + recall) > 0)  # fmt: skip
    value = np.round(value, 12)
    top = value == value.max()
    ties = candidates[top]
    best_t = ties[np.argmin(np.abs(ties - prior))]
    return float(best_t)


def _scoring_model(model: SupportModel) -> SupportModel:
    # Vetoed claims are unsupported at every threshold (the scorer moves the
    # cap below a lowered threshold), so score them at the bottom.
    return dataclasses.replace(model, veto_cap=0.0) if model.vetoes else model


def answer_score(scorer: GroundingScorer, row: LabelledAnswer) -> float:
    """An answer's support score: its weakest checked claim's probability (0 without any claim)."""
    report = scorer.score(row.answer, row.passages, question=row.question)
    g = report.groundedness
    return 0.0 if g is None else float(g)


def calibrate(
    rows: Iterable[LabelledAnswer],
    *,
    objective: Objective = "balanced_accuracy",
    model: SupportModel | None = None,
    scorer: GroundingScorer | None = None,
) -> Calibration:
    """Score labelled answers and choose the grounding threshold that suits them.

    Args:
        rows: the labelled answers.
        objective: what the threshold maximises.
        model: the support model (default: the shipped params.json).
        scorer: a ready scorer (its embedder is reused; its model is replaced
            by `model` with vetoed claims scored at 0).
    """
    base = model or (scorer.model if scorer is not None else load_model())
    scoring = GroundingScorer(
        model=_scoring_model(base),
        embedder=scorer.embedder if scorer is not None else None,
        lexical_shortcut=False,
    )
    items = list(rows)
    scores = [answer_score(scoring, r) for r in items]
    labels = [int(r.label) for r in items]
    threshold = choose_threshold(scores, labels, objective=objective, prior=base.threshold)
    ba, f1 = _rates(scores, labels, threshold)
    sba, sf1 = _rates(scores, labels, base.threshold)
    return Calibration(
        threshold=threshold,
        objective=objective,
        n=len(items),
        unsupported=labels.count(0),
        balanced_accuracy=ba,
        f1_unsupported=f1,
        shipped_threshold=base.threshold,
        shipped_balanced_accuracy=sba,
        shipped_f1_unsupported=sf1,
    )


def load_labelled(path: Path) -> list[LabelledAnswer]:
    """Read labelled answers from JSONL (``answer``, ``passages``, ``label``, optional ``question``)."""
    out: list[LabelledAnswer] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read labelled answers from {str(path)!r}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            passages = tuple(Passage(text=str(t), doc_id=f"p{i}") for i, t in enumerate(row["passages"]))
            label = int(row["label"])
            if label not in (0, 1):
                raise ValueError(f"label must be 0 or 1, got {row['label']!r}")
            out.append(LabelledAnswer(str(row["answer"]), passages, label, str(row.get("question", ""))))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}: bad labelled answer ({exc!r})") from None
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Choose a threshold on FILE and print the policy lines."""
    parser = argparse.ArgumentParser(prog="python -m ragfort.grounding.calibrate", description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="labelled answers, JSONL")
    parser.add_argument("--objective", choices=["balanced_accuracy", "f1"], default="balanced_accuracy",
                        help="what the threshold maximises (f1: F1 of the unsupported class)")  # fmt: skip
    parser.add_argument("--params", default=None, help="an alternative params.json")
    parser.add_argument("--holdout", type=float, default=0.0,
                        help="share of rows (0-0.5) kept out of the choice and reported separately")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed of the holdout split")
    args = parser.parse_args(argv)
    objective: Objective = "f1_unsupported" if args.objective == "f1" else "balanced_accuracy"
    if not 0.0 <= args.holdout <= 0.5:
        parser.error(f"--holdout must be in [0, 0.5], got {args.holdout!r}")
    try:
        rows = load_labelled(args.file)
        model = load_model(args.params)
        held: list[LabelledAnswer] = []
        if args.holdout:
            order = list(range(len(rows)))
            random.Random(args.seed).shuffle(order)
            cut = round(len(rows) * args.holdout)
            held = [rows[i] for i in order[:cut]]
            rows = [rows[i] for i in order[cut:]]
        cal = calibrate(rows, objective=objective, model=model)
    except InputError as exc:
        print(f"error: {exc}")
        return 2
    print(f"{cal.n} labelled answers ({cal.unsupported} unsupported), objective {cal.objective}")
    print(f"  shipped threshold {cal.shipped_threshold:.3f}: balanced accuracy {cal.shipped_balanced_accuracy:.3f}, "
          f"F1 unsupported {cal.shipped_f1_unsupported:.3f}")  # fmt: skip
    print(f"  chosen threshold  {cal.threshold:.3f}: balanced accuracy {cal.balanced_accuracy:.3f}, "
          f"F1 unsupported {cal.f1_unsupported:.3f} (on the rows it was chosen on)")  # fmt: skip
    if held:
        scorer = GroundingScorer(model=_scoring_model(model), lexical_shortcut=False)
        scores = [answer_score(scorer, r) for r in held]
        labels = [r.label for r in held]
        for name, t in (("shipped", cal.shipped_threshold), ("chosen", cal.threshold)):
            ba, f1 = _rates(scores, labels, t)
            print(f"  held-out {len(held)} rows, {name} threshold: balanced accuracy {ba:.3f}, F1 unsupported {f1:.3f}")
    print("\npolicy (the grounding entry of the output stage):\n")
    print(cal.policy_snippet())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
