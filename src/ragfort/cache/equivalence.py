"""The last gate of a semantic hit: the learned question-equivalence judge.

After the cosine threshold, retrieval agreement and every near-miss rule
(`ragfort.cache.nearmiss`, hard vetoes) have passed, the shipped
``equivalence`` cross-encoder (`ragfort.judges.load_judge`, loaded and
checksum-verified once per process) reads both questions and gives the
probability that one answer serves both. The judge was trained on both
orders of every pair; a cross-encoder is still not exactly symmetric, so the
gate scores ``(stored, asked)`` and ``(asked, stored)`` (as one batch of
two rows of equal length) and averages them: the decision never depends on
which question came first.

The gate's `version` (the model's sha256 from its manifest and the
minimum probability) is folded into the cache namespace, so a retrained
model or a new minimum never serves entries admitted under the old gate.
"""

from __future__ import annotations

from dataclasses import dataclass

from ragfort.judges import PairJudge, load_judge

__all__ = ["TASK", "EquivalenceGate", "equivalence_gate"]

TASK = "equivalence"


@dataclass(frozen=True, slots=True)
class EquivalenceGate:
    """The judge and the probability a semantic hit needs.

    Attributes:
        judge: the loaded ``equivalence`` judge.
        minimum: the probability a hit needs (inclusive).
    """

    judge: PairJudge
    minimum: float

    @property
    def version(self) -> str:
        """Identifies what this gate admits: the model file's sha256 (short) and the minimum."""
        sha = self.judge.manifest.files.get("model.onnx", "")
        return f"eq:{sha[:16]}:{self.minimum:.4f}"

    def probability(self, stored: str, asked: str) -> float:
        """The mean of the judge's probabilities over both orders of the two questions."""
        # One forward pass for both orders: they have the same length (no padding), so the
        # int8 activation ranges are those of this pair alone and swapping the rows changes nothing.
        p = self.judge.score([(stored, asked), (asked, stored)], batch_size=2)
        return float(p.mean())

    def same_question(self, stored: str, asked: str) -> bool:
        """Whether one answer serves both questions, by the judge."""
        return self.probability(stored, asked) >= self.minimum


def equivalence_gate(minimum: float) -> EquivalenceGate:
    """The gate over the shipped judge (loaded once per process).

    Raises:
        ConfigError: the ``equivalence`` model does not ship or its files are damaged.
    """
    if not 0.0 <= minimum <= 1.0:
        raise ValueError(f"minimum must be in [0, 1], got {minimum!r}")
    return EquivalenceGate(load_judge(TASK), minimum)
