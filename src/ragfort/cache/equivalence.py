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

Two questions whose words are the same once courtesy, case, punctuation
and typos are set aside (`ragfort.cache.typos.reading`), or once a phrase
fronted before a comma is moved to the end ("On Fibre 150, what's the upload
speed?", `typos.readings`), are the same question without asking the judge,
which scores some such pairs low (0.95 one way, 0.39 the other). The
gate also mends typos for the rules: `mend` gives both questions one spelling
for the words one typo apart, checked against the judge's own vocabulary.

The gate's `version` (the model's sha256 from its manifest, the minimum
probability and the `READING` of the texts) is folded into the cache
namespace, so a retrained model, a new minimum or another reading never
serves entries admitted under the old gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ragfort.cache import typos
from ragfort.cache.typos import Speller
from ragfort.judges import PairJudge, load_judge

__all__ = ["READING", "TASK", "EquivalenceGate", "equivalence_gate", "judge_speller", "judge_vocabulary"]

TASK = "equivalence"
# How the gate reads the two texts. 1: the judge alone, on the raw texts (no version suffix).
# 2: one reading word for word (`typos.reading`) is a hit without the judge, and typos are mended.
# 3: a phrase or clause fronted before a comma may move to the end (`typos.readings`).
READING = 3


@lru_cache(maxsize=4)
def judge_vocabulary(model_dir: Path) -> frozenset[str]:
    """The whole words of the judge's WordPiece vocabulary (lower case): the words `typos.mend` trusts."""
    from tokenizers import Tokenizer

    vocab = Tokenizer.from_file(str(model_dir / "tokenizer.json")).get_vocab()
    return frozenset(w for w in vocab if w.isalpha())


@lru_cache(maxsize=4)
def judge_speller(model_dir: Path) -> Speller:
    """The index of `judge_vocabulary(model_dir)` that `typos.respelt` falls back on (built once per model)."""
    return Speller(judge_vocabulary(model_dir))


@dataclass(frozen=True, slots=True)
class EquivalenceGate:
    """The judge and the probability a semantic hit needs.

    Attributes:
        judge: the loaded ``equivalence`` judge.
        minimum: the probability a hit needs (inclusive).
        vocabulary: the words `mend` trusts as spelt right (`judge_vocabulary`; empty: nothing is mended).
    """

    judge: PairJudge
    minimum: float
    vocabulary: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def version(self) -> str:
        """Identifies what this gate admits: the model file's sha256 (short), the minimum and the `READING`."""
        sha = self.judge.manifest.files.get("model.onnx", "")
        return f"eq:{sha[:16]}:{self.minimum:.4f}:r{READING}"

    def mend(self, stored: str, asked: str) -> tuple[str, str] | None:
        """Both questions with one spelling for the words one typo apart, or None (see `typos.mend`).

        A gate built without a vocabulary mends nothing: every word would look like a typo.
        """
        return typos.mend(stored, asked, self.vocabulary) if self.vocabulary else None

    def probability(self, stored: str, asked: str) -> float:
        """The mean of the judge's probabilities over both orders of the two questions."""
        # One forward pass for both orders: they have the same length (no padding), so the
        # int8 activation ranges are those of this pair alone and swapping the rows changes nothing.
        p = self.judge.score([(stored, asked), (asked, stored)], batch_size=2)
        return float(p.mean())

    def same_reading(self, stored: str, asked: str) -> bool:
        """Whether the two ask the same words in the same order, typos mended and a fronted phrase moved
        to the end (see `typos.readings`)."""
        stored, asked = self.mend(stored, asked) or (stored, asked)
        return bool(typos.readings(stored) & typos.readings(asked))

    def same_question(self, stored: str, asked: str) -> bool:
        """Whether one answer serves both questions: one reading, else by the judge."""
        return self.same_reading(stored, asked) or self.probability(stored, asked) >= self.minimum


def equivalence_gate(minimum: float) -> EquivalenceGate:
    """The gate over the shipped judge (loaded once per process).

    Raises:
        ConfigError: the ``equivalence`` model does not ship or its files are damaged.
    """
    if not 0.0 <= minimum <= 1.0:
        raise ValueError(f"minimum must be in [0, 1], got {minimum!r}")
    judge = load_judge(TASK)
    return EquivalenceGate(judge, minimum, judge_vocabulary(judge.model_dir))
