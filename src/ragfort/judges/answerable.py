"""Is the question answerable at all? One decision per question from the judge's per-passage reads.

The answerability judge reads one passage at a time, and its best
probability alone ranks questions poorly across help centers: how sure it
needs to be depends on how close the retrieval was. The question model is a
logistic regression over the judge's best read, its read of the top-ranked
passage and the best retrieval score, stored as reviewable JSON
(``answerable.json``) and applied with numpy only, like the grounding support
model. On the dev splits it ranks questions better than the best read alone
(leave-one-set-out AUC 0.80 against 0.77); the lexical signals tried beside
it (how many of the question's words the passages contain; the second-best
and mean reads) added nothing out of sample and are left out
(docs/judges.md).

Two variants ship: ``scored`` for passages that carry a retrieval score (the
cosine similarity ragfort's retriever gives) and ``unscored`` for passages
that do not (a wrapped chain's retriever may report none).

``python benchmarks/abstention.py --split dev --fit PATH`` refits it on the
dev splits (the test splits are never read) and writes the JSON.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ragfort.errors import ConfigError
from ragfort.grounding.model import SupportModel

__all__ = [
    "PARAMS_PATH",
    "QUESTION_FEATURES",
    "QuestionModel",
    "load_question_model",
    "question_features",
]

PARAMS_PATH = Path(__file__).with_name("answerable.json")

# The order is part of the answerable.json format. Probabilities enter as log-odds, so a judge
# that is sure (0.99 against 0.9) still moves the score.
QUESTION_FEATURES: tuple[str, ...] = (
    "best",  # log-odds of the best passage read
    "first",  # log-odds of the top-ranked passage
    "best_cosine",  # the best retrieval score (the `scored` variant only)
)
UNSCORED_FEATURES = QUESTION_FEATURES[:-1]
_PROB_FLOOR = 1e-4


def _logit(p: float) -> float:
    p = min(1.0 - _PROB_FLOOR, max(_PROB_FLOOR, float(p)))
    return math.log(p / (1.0 - p))


def question_features(probabilities: Sequence[float], cosines: Sequence[float] | None = None) -> list[float]:
    """The question model's inputs, in `QUESTION_FEATURES` order (without ``best_cosine`` when `cosines` is None).

    Args:
        probabilities: the judge's probability for each passage it read, best-ranked passage first.
        cosines: each passage's retrieval score, or None when they carry none.
    """
    if not probabilities:
        raise ValueError("question_features needs the judge's read of at least one passage")
    logits = [_logit(p) for p in probabilities]
    values = [max(logits), logits[0]]
    if cosines is not None:
        if len(cosines) != len(probabilities):
            raise ValueError("question_features needs one retrieval score per passage read")
        values.append(max(float(c) for c in cosines))
    return values


@dataclass(frozen=True, slots=True)
class QuestionModel:
    """The probability that some passage read answers the question.

    Attributes:
        scored: the regression for passages with retrieval scores.
        unscored: the regression for passages without.
        threshold: the probability under which the question is unanswerable
            (passages with retrieval scores, behind the cosine floor).
        min_score: the cosine floor it was fitted behind: questions whose best
            retrieval score is lower never reached it.
        source: where the parameters came from (for messages).
        judge_sha256: the sha256 of the answerability model file whose reads
            it was fitted on (``judge_sha256`` in the JSON; None in files
            written before it was recorded). A regression over one model's
            probabilities means nothing over another's: `check_judge`.
    """

    scored: SupportModel
    unscored: SupportModel
    threshold: float
    min_score: float
    source: str = ""
    judge_sha256: str | None = None
    unscored_threshold: float | None = None  # the ``unscored`` variant's own (no floor in front); None: `threshold`

    def threshold_for(self, scored: bool) -> float:
        """The threshold of the variant that reads passages with (`scored`) or without retrieval scores."""
        if scored or self.unscored_threshold is None:
            return self.threshold
        return self.unscored_threshold

    def probability(self, probabilities: Sequence[float], cosines: Sequence[float] | None = None) -> float:
        """The probability that the question is answerable from the passages read (see `question_features`)."""
        model = self.unscored if cosines is None else self.scored
        return model.probability(question_features(probabilities, cosines))

    def monotone(self, *, scored: bool) -> bool:
        """Whether a better best read never lowers this variant's probability (its ``best`` weight is >= 0).

        Then reads that already reach the threshold settle the question:
        reading more passages can only raise the best read.
        """
        model = self.scored if scored else self.unscored
        return model.weights[model.features.index("best")] >= 0.0

    def check_judge(self, model_sha256: str, *, judge: str = "the answerability judge") -> None:
        """Refuse a judge other than the one this model was fitted on.

        Raises:
            ConfigError: the recorded sha256 differs from `model_sha256`; names both files' hashes.
        """
        if self.judge_sha256 is not None and self.judge_sha256 != model_sha256.lower():
            raise ConfigError(
                f"question model {self.source!r} was fitted on the reads of the answerability model with sha256 "
                f"{self.judge_sha256[:12]}..., but {judge} is {model_sha256[:12]}...: refit it with "
                "`python benchmarks/abstention.py --split dev --fit PATH --model FOLDER` and pass question_model_path, "
                "or turn question_model off"
            )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "") -> QuestionModel:
        """Build from the contents of answerable.json."""
        try:
            threshold = float(data["threshold"])
            floor = float(data["min_score"])
            if not 0.0 < threshold < 1.0:
                raise ValueError(f"threshold must be in (0, 1), got {threshold!r}")
            if not 0.0 <= floor <= 1.0:
                raise ValueError(f"min_score must be in [0, 1], got {floor!r}")
            raw_unscored = data.get("unscored_threshold")
            unscored_threshold = None if raw_unscored is None else float(raw_unscored)
            if unscored_threshold is not None and not 0.0 < unscored_threshold < 1.0:
                raise ValueError(f"unscored_threshold must be in (0, 1), got {unscored_threshold!r}")
            sha = data.get("judge_sha256")
            if sha is not None and not (isinstance(sha, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha)):
                raise ValueError(f"judge_sha256 must be 64 hex digits, got {sha!r}")
            return cls(
                scored=_regression(data["scored"], QUESTION_FEATURES, threshold),
                unscored=_regression(
                    data["unscored"], UNSCORED_FEATURES, threshold if unscored_threshold is None else unscored_threshold
                ),
                threshold=threshold,
                min_score=floor,
                source=source,
                judge_sha256=sha.lower() if sha is not None else None,
                unscored_threshold=unscored_threshold,
            )
        except (ConfigError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise ConfigError(f"question model parameters {source!r} are malformed: {exc}") from exc


def _regression(data: Mapping[str, Any], features: tuple[str, ...], threshold: float) -> SupportModel:
    # The same numpy-only logistic regression as the grounding support model; the threshold is the question model's.
    fitted = {**data, "threshold": threshold, "band": (threshold, threshold)}
    return SupportModel.from_mapping(fitted, expected=features)


@lru_cache(maxsize=4)
def load_question_model(path: str | None = None) -> QuestionModel:
    """Load the question model from `path` (default: the answerable.json shipped with ragfort).

    Raises:
        ConfigError: the file is missing, not JSON, or not a question model of this version.
    """
    target = Path(path) if path else PARAMS_PATH
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read question model parameters from {str(target)!r}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{str(target)!r} is not a JSON object")
    return QuestionModel.from_mapping(data, source=str(target))


def fit_regression(rows: Sequence[Sequence[float]], labels: Sequence[bool], weights: Sequence[float],
                   features: tuple[str, ...], *, c: float = 1.0) -> dict[str, Any]:  # fmt: skip
    """A weighted logistic regression over `rows`, as the JSON object `_regression` reads (dev-time: scikit-learn)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(rows, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit((x - mean) / scale, np.asarray(labels, dtype=int), sample_weight=np.asarray(weights, dtype=np.float64))
    return {
        "features": list(features),
        "weights": [round(float(v), 6) for v in lr.coef_[0]],
        "intercept": round(float(lr.intercept_[0]), 6),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
    }
