"""The verbatim fast path: a claim quoted word for word from one passage sentence needs no model.

The default extractive generator answers with passage sentences as they
are, and LLM answers often quote too. When a claim occurs inside one
passage sentence (same words in the same order, at word boundaries; case
and runs of whitespace may differ) with the same polarity, its support is
certain and its citation exact, so the scorer skips the embedding model
for it entirely.

Deliberately narrow, so it can never pass a claim the full scorer would
doubt:

- short claims (fewer than `MIN_WORDS` words, or bare fragments such as
  "Delhi") are never fast-pathed: a name that appears in the passage is
  not yet the right answer to the question;
- a claim whose negation count differs in parity from its sentence's
  ("Devices can be returned" inside "No devices can be returned") is left
  to the full scorer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ragfort.grounding.signals import polarity

__all__ = ["MIN_WORDS", "VerbatimMatch", "find_verbatim"]

MIN_WORDS = 4
# Closing punctuation the answer may end a quoted clause with where the passage does not.
_TRAILING = ".!?;:,…\"')] \t\n"
_LEADING = "\"'([ \t\n"


@dataclass(frozen=True, slots=True)
class VerbatimMatch:
    """Where a claim was found word for word.

    Attributes:
        sentence: index into the sentences the search was given.
        start: offset of the matched words in the sentence's passage text.
        end: offset just past them.
    """

    sentence: int
    start: int
    end: int


def _pattern(claim: str) -> re.Pattern[str] | None:
    core = claim.strip(_TRAILING).lstrip(_LEADING)
    words = core.split()
    if len(words) < MIN_WORDS:
        return None
    body = r"\s+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def find_verbatim(
    claim: str,
    passage_texts: Sequence[str],
    sentences: Sequence[tuple[int, int, int, str]],
    *,
    sentence_polarities: Sequence[int] | None = None,
) -> VerbatimMatch | None:
    """The first passage sentence holding `claim` verbatim, or None.

    Args:
        claim: the claim text (a sentence or clause of the answer).
        passage_texts: the passages' texts, indexed by the first item of each sentence tuple.
        sentences: `(passage_index, start, end, text)` of every passage sentence.
        sentence_polarities: each sentence's negation parity, when already computed.
    """
    pattern = _pattern(claim)
    if pattern is None:
        return None
    claim_polarity = polarity(claim)
    for i, (p, s, e, text) in enumerate(sentences):
        m = pattern.search(passage_texts[p], s, e)
        if m is None:
            continue
        sent_polarity = sentence_polarities[i] if sentence_polarities is not None else polarity(text)
        if sent_polarity != claim_polarity:
            continue
        return VerbatimMatch(i, m.start(), m.end())
    return None
