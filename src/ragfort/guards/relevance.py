"""The relevance guard: abstain before generation when nothing retrieved is relevant enough.

At the retrieval stage, if no passage's retrieval score (the retriever's
cosine similarity between question and passage, in [0, 1]) reaches
`min_score`, the guard abstains: the turn's answer becomes the abstention
message and no LLM is called. The default `min_score` was chosen on ClapNQ
dev (``benchmarks/relevance_threshold.py``: best balanced accuracy between
answerable and unanswerable questions).

Honest limit: on ClapNQ the top-1 score separates answerable from
unanswerable questions fairly but not cleanly (AUC 0.87, balanced accuracy
0.82 at 0.52); cosine scales differ between corpora, so re-run the benchmark
on your own golden set. The grounding guard remains the backstop for
answers the passages do not support.

Passages without a score cannot be judged: if none has one, the guard
allows the turn and says so. No passages at all is an abstention.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from ragfort.context import RunContext
from ragfort.guards.base import BaseGuard, GuardSettings
from ragfort.types import Action, Stage, Turn, Verdict

__all__ = ["DEFAULT_MIN_SCORE", "RelevanceGuard", "RelevanceSettings"]

# Chosen on ClapNQ dev by benchmarks/relevance_threshold.py: the best balanced
# accuracy (0.817) of the top-1 retrieval score, AUC 0.867. It abstains on about
# 18% of answerable ClapNQ questions; 0.32 abstains on <=2% of them.
DEFAULT_MIN_SCORE = 0.52


class RelevanceSettings(GuardSettings):
    """Settings of the relevance guard (the ``relevance`` entry of a policy).

    Attributes:
        min_score: the retrieval score at least one passage must reach.
        abstain_message: the answer given instead.
        abstain_without_passages: abstain when retrieval returned nothing.
    """

    min_score: float = Field(default=DEFAULT_MIN_SCORE, ge=0.0, le=1.0)
    abstain_message: str = "I don't know: I couldn't find anything in our documentation about that."
    abstain_without_passages: bool = True


class RelevanceGuard(BaseGuard):
    """Abstains when no retrieved passage scores at least `min_score`.

    Args:
        stage: must be `Stage.RETRIEVAL`.
        required: a fault in a required guard fails the request closed.
        **settings: `RelevanceSettings` fields.
    """

    name: ClassVar[str] = "relevance"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.RETRIEVAL})
    Settings: ClassVar[type[GuardSettings]] = RelevanceSettings

    def __init__(self, *, stage: Stage = Stage.RETRIEVAL, required: bool = False, **settings: Any) -> None:
        super().__init__(stage=stage, required=required)
        self.settings = RelevanceSettings(**settings)

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        """Abstain unless some passage is relevant enough."""
        s = self.settings
        if not turn.documents:
            if not s.abstain_without_passages:
                return self.verdict(Action.ALLOW, reason="no passages retrieved")
            return self.verdict(
                Action.ABSTAIN, score=0.0, reason="no passages retrieved", turn=turn.evolve(answer=s.abstain_message)
            )
        scores = [p.score for p in turn.documents if p.score is not None]
        if not scores:
            return self.verdict(Action.ALLOW, reason="passages carry no retrieval score; relevance not checked")
        best = max(0.0, min(1.0, max(scores)))
        if best >= s.min_score:
            return self.verdict(
                Action.ALLOW, score=best, reason=f"best retrieval score {best:.3f} >= {s.min_score:.3f}"
            )
        return self.verdict(
            Action.ABSTAIN,
            score=best,
            reason=f"best retrieval score {best:.3f} < min_score {s.min_score:.3f}",
            turn=turn.evolve(answer=s.abstain_message),
        )
