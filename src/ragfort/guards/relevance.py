"""The relevance guard: abstain before generation when nothing retrieved is relevant enough.

At the retrieval stage, if no passage's retrieval score (the retriever's
cosine similarity between question and passage, in [0, 1]) reaches
`min_score`, the guard abstains: the turn's answer becomes the abstention
message and no LLM is called. The default `min_score` (0.45) was chosen on
two corpora with ``benchmarks/relevance_threshold.py``: it abstains on none
of the 57 answerable help-center questions (evals/help_center.jsonl; their
lowest top-1 score is 0.51) and on 10.7% of answerable ClapNQ dev
questions, while still abstaining on 57% of unanswerable ClapNQ questions.
ClapNQ's own best balanced accuracy (0.52) abstained on 18% of its
answerable questions and 5% of the help center's: a guard that refuses
answerable questions costs more than one that lets the grounding guard
catch what the passages do not support.

Honest limit: the top-1 score separates answerable from unanswerable
questions fairly but not cleanly (AUC 0.87 on ClapNQ, 0.86 on the help
center, where unanswerable questions about nearby topics score up to 0.70);
cosine scales differ between corpora, so re-run the benchmark on your own
golden set. The grounding guard remains the backstop.

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

# Chosen by benchmarks/relevance_threshold.py on ClapNQ dev and the help-center
# golden set: 0% of answerable help-center and 10.7% of answerable ClapNQ
# questions abstain; 57% of unanswerable ClapNQ questions do. (0.52, ClapNQ's
# best balanced accuracy, abstained on 18% / 5% of answerable ones.)
DEFAULT_MIN_SCORE = 0.45


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
