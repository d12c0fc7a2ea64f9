"""The shared shape of recognizers that report a value only when a cue phrase introduces it.

Many identifiers a customer types have no format of their own: an account
number is six to twelve digits, a date of birth is a date like any other.
What makes them personal is the phrase in front ("account no.", "DOB",
"né le"). `CuedValueRecognizer` looks for the cue first, skips the short
filler a person puts between a label and its value ("is", ":", "#", "on
the"), and reports the value only if it starts right there. A value that
stands alone, or further along the sentence, is not reported, so ordinary
dates and order numbers stay visible.

Subclasses set the entity, the cue and value patterns, and optionally an
`accept` check (a calendar check for dates, a digit count for numbers).
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

__all__ = ["FILLER", "CuedValueRecognizer", "PatternOnlyRecognizer", "result"]

# What people put between a label and its value, in the languages we see:
# punctuation, "is"/"was", "on the", "no."/"nr." and their equivalents.
FILLER = re.compile(
    r"(?:[\s:=#(\-–—,]|"
    r"(?:is|was|are|on|the|of|at|am|ist|war|est|était|es|era|è|el|le|la|il|no\.?|nr\.?|n°|n\.?º|núm\.?|num\.?)"
    r"(?![\w]))*",
    re.IGNORECASE,
)
_MAX_FILLER = 24


def result(recognizer: LocalRecognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    """A `RecognizerResult` carrying the metadata ragfort's context step reads."""
    return RecognizerResult(
        entity_type=entity,
        start=start,
        end=end,
        score=score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: type(recognizer).__name__,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


class PatternOnlyRecognizer(LocalRecognizer):
    """A recognizer of one `ENTITY` made of patterns alone: nothing to load, one score for what it reports.

    Args:
        score: the score of a reported value (default: the class's `SCORE`).
    """

    ENTITY: ClassVar[str]
    SCORE: ClassVar[float] = 0.85

    def __init__(self, *, score: float | None = None) -> None:
        self._score = self.SCORE if score is None else score
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__, supported_language="en")

    def load(self) -> None:
        """Nothing to load: the recognizer is pure patterns."""


class CuedValueRecognizer(PatternOnlyRecognizer):
    """Reports a `VALUE` match that starts right after a `CUE` match (and filler)."""

    CUE: ClassVar[re.Pattern[str]]
    VALUE: ClassVar[re.Pattern[str]]

    def accept(self, value: str) -> bool:
        """Whether a value found after a cue is one of this type (subclasses narrow it)."""
        return True

    def value_after(self, text: str, pos: int) -> re.Match[str] | None:
        """The value starting at `pos` once the filler is skipped, if any."""
        gap = FILLER.match(text, pos)
        start = gap.end() if gap is not None else pos
        if start - pos > _MAX_FILLER:
            return None
        m = self.VALUE.match(text, start)
        if m is None or not self.accept(m.group()):
            return None
        return m

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Values introduced by a cue phrase."""
        found: dict[tuple[int, int], RecognizerResult] = {}
        for cue in self.CUE.finditer(text):
            m = self.value_after(text, cue.end())
            if m is not None:
                found[(m.start(), m.end())] = result(self, self.ENTITY, m.start(), m.end(), self._score)
        return list(found.values())
