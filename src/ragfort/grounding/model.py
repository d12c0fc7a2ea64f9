"""The support model: a logistic regression over a handful of signals, stored as reviewable JSON.

`params.json` (written by ``python -m ragfort.grounding.train``) holds the
feature names, their standardisation, the weights, the decision threshold
and the uncertainty band, plus the numbers they were chosen on. Applying it
needs only numpy, so the runtime never imports scikit-learn and there is no
pickle to trust.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ragfort.errors import ConfigError

__all__ = ["FEATURES", "PARAMS_PATH", "SupportModel", "load_model"]

PARAMS_PATH = Path(__file__).with_name("params.json")

# The order is part of the params.json format.
# Chosen on leave-one-dataset-out results (see train.py): each is on the same
# 0..1 scale whatever the domain, and the model is monotone in every one.
FEATURES: tuple[str, ...] = (
    "similarity",
    "local_similarity",
    "novel_coverage",
    "bigram_coverage",
    "number_mismatch",
    "entity_mismatch",
    "polarity_mismatch",
    "contradiction",
    "number_coverage",
    "first_person",
)


@dataclass(frozen=True, slots=True)
class SupportModel:
    """A calibrated support probability from signal values.

    Attributes:
        weights: one weight per feature of `features`, on standardised values.
        intercept: the bias term.
        mean: per-feature mean used for standardisation.
        scale: per-feature standard deviation used for standardisation.
        threshold: probability at or above which a claim counts as supported.
        band: `(low, high)`: probabilities in this range are uncertain and
            go to the optional second-tier judges.
        features: the feature names, in order.
        vetoes: features that, when set (> 0.5), are decisive on their own: a
            number, name or polarity the evidence contradicts makes the claim
            unsupported however similar it reads. The dev sets have too few
            such edits for the regression to learn that weight reliably.
        veto_cap: the highest probability a vetoed claim can get; params.json
            puts it just below the threshold, so vetoed claims are
            unsupported but keep the regression's order among themselves.
    """

    weights: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float
    band: tuple[float, float]
    features: tuple[str, ...] = FEATURES
    vetoes: tuple[str, ...] = ()
    veto_cap: float = 0.2

    def __post_init__(self) -> None:
        n = len(self.features)
        if not (len(self.weights) == len(self.mean) == len(self.scale) == n):
            raise ConfigError(f"support model: expected {n} weights/means/scales, got {len(self.weights)}")
        if not 0.0 < self.threshold < 1.0:
            raise ConfigError(f"support model: threshold must be in (0, 1), got {self.threshold!r}")
        unknown = [v for v in self.vetoes if v not in self.features]
        if unknown:
            raise ConfigError(f"support model: veto features {unknown!r} are not model features")
        low, high = self.band
        if not 0.0 <= low <= self.threshold <= high <= 1.0:
            raise ConfigError(f"support model: band must surround the threshold, got {self.band!r}")

    def probability(self, values: Sequence[float]) -> float:
        """The support probability for one claim's feature values (in `features` order)."""
        z = self.intercept
        for w, x, m, s in zip(self.weights, values, self.mean, self.scale, strict=True):
            z += w * (x - m) / s
        # Clamp to keep exp() finite for extreme inputs.
        z = max(-30.0, min(30.0, z))
        p = 1.0 / (1.0 + math.exp(-z))
        if self.vetoes and any(values[self.features.index(v)] > 0.5 for v in self.vetoes):
            p = min(p, self.veto_cap)
        return p

    def bounds(self, values: Sequence[float], *features: str) -> tuple[float, float]:
        """The lowest and highest probability over every value in [0, 1] of `features`, others fixed.

        Exact because the log-odds are linear in each feature, so the extremes
        sit at 0 or 1 depending on the weight's sign: the scorer uses it to
        skip embedding a claim whose verdict no similarity could change.
        """
        lo = list(values)
        hi = list(values)
        for feature in features:
            k = self.features.index(feature)
            up = self.weights[k] / self.scale[k] >= 0
            lo[k], hi[k] = (0.0, 1.0) if up else (1.0, 0.0)
        return self.probability(lo), self.probability(hi)

    def contributions(self, values: Sequence[float]) -> dict[str, float]:
        """Each feature's additive share of the log-odds, for explanations."""
        return {
            name: w * (x - m) / s
            for name, w, x, m, s in zip(self.features, self.weights, values, self.mean, self.scale, strict=True)
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, expected: tuple[str, ...] = FEATURES) -> SupportModel:
        """Build from the ``model`` object of params.json (or another regression over `expected` features)."""
        try:
            features = tuple(str(f) for f in data["features"])
            if features != expected:
                raise ConfigError(f"support model: features {features!r} do not match this version's {expected!r}")
            return cls(
                weights=tuple(float(x) for x in data["weights"]),
                intercept=float(data["intercept"]),
                mean=tuple(float(x) for x in data["mean"]),
                scale=tuple(float(x) for x in data["scale"]),
                threshold=float(data["threshold"]),
                band=(float(data["band"][0]), float(data["band"][1])),
                features=features,
                vetoes=tuple(str(v) for v in data.get("vetoes", ())),
                veto_cap=float(data.get("veto_cap", 0.2)),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ConfigError(f"support model parameters are malformed: {exc!r}") from exc


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> SupportModel:
    """Load the support model from `path` (default: the params.json shipped with ragfort)."""
    target = Path(path) if path else PARAMS_PATH
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read support model parameters from {str(target)!r}: {exc}") from exc
    if not isinstance(data, dict) or "model" not in data:
        raise ConfigError(f"{str(target)!r} has no 'model' object")
    return SupportModel.from_mapping(data["model"])
