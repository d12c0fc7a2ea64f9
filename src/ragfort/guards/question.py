"""Input guard: refuse questions that are too long or clearly not questions.

A cheap first line of defence: an over-long question costs every later stage
(redaction, embedding, the LLM's context) and is a common vector for prompt
stuffing. The default limit fits any real support question.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ragfort.context import RunContext
from ragfort.guards.base import BaseGuard, GuardSettings
from ragfort.types import Action, Stage, Turn, Verdict

__all__ = ["QuestionLengthGuard"]


class QuestionLengthSettings(GuardSettings):
    max_chars: int = Field(default=2000, gt=0)
    min_alnum: int = Field(default=2, ge=0)


class QuestionLengthGuard(BaseGuard):
    """Blocks questions longer than `max_chars` or with fewer than `min_alnum` letters/digits."""

    name: ClassVar[str] = "question_length"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.INPUT})
    Settings: ClassVar[type[GuardSettings]] = QuestionLengthSettings

    def __init__(
        self, *, stage: Stage = Stage.INPUT, required: bool = False, max_chars: int = 2000, min_alnum: int = 2
    ) -> None:
        super().__init__(stage=stage, required=required)
        if max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {max_chars!r}")
        self.max_chars = max_chars
        self.min_alnum = min_alnum

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        n = len(turn.question)
        if n > self.max_chars:
            return self.verdict(Action.BLOCK, score=1.0, reason=f"question is {n} characters; limit {self.max_chars}")
        alnum = sum(ch.isalnum() for ch in turn.question)
        if alnum < self.min_alnum:
            return self.verdict(Action.BLOCK, score=1.0, reason=f"question has {alnum} letters or digits")
        return self.verdict(Action.ALLOW, score=0.0)
