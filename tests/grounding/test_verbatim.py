"""The verbatim fast path: a claim quoted word for word from one passage sentence, and nothing looser."""

from __future__ import annotations

from ragfort.grounding.verbatim import MIN_WORDS, VerbatimMatch, find_verbatim

FIRST = "Devices can be returned within 14 days of delivery."
SECOND = "No refund is given for opened software."
PASSAGE = f"{FIRST} {SECOND}"
OTHER = "Express shipping costs $12 and arrives in 2 business days."
TEXTS = [PASSAGE, OTHER]
SENTENCES = [
    (0, 0, len(FIRST), FIRST),
    (0, len(FIRST) + 1, len(PASSAGE), SECOND),
    (1, 0, len(OTHER), OTHER),
]


def test_a_quoted_clause_is_found_with_its_offsets_in_the_passage() -> None:
    # Case, runs of whitespace and the closing punctuation may differ.
    match = find_verbatim("devices  CAN be returned within 14 days!", TEXTS, SENTENCES)
    assert match == VerbatimMatch(sentence=0, start=0, end=len("Devices can be returned within 14 days"))


def test_the_match_is_reported_for_the_sentence_and_passage_that_hold_it() -> None:
    match = find_verbatim('"arrives in 2 business days."', TEXTS, SENTENCES)
    assert match is not None and match.sentence == 2
    assert OTHER[match.start : match.end] == "arrives in 2 business days"


def test_short_claims_are_never_fast_pathed() -> None:
    assert MIN_WORDS == 4
    assert find_verbatim("within 14 days", TEXTS, SENTENCES) is None
    assert find_verbatim("Devices", TEXTS, SENTENCES) is None


def test_words_must_match_whole_and_stay_within_one_sentence() -> None:
    assert find_verbatim("Devices can be return", TEXTS, SENTENCES) is None  # "returned" is another word
    assert find_verbatim("of delivery. No refund is given", TEXTS, SENTENCES) is None  # crosses a sentence end
    assert find_verbatim("Devices can be returned within 30 days", TEXTS, SENTENCES) is None


def test_a_claim_whose_negation_differs_from_its_sentence_is_left_to_the_scorer() -> None:
    negated = "No devices can be returned within 14 days of delivery."
    sentences = [(0, 0, len(negated), negated)]
    assert find_verbatim("devices can be returned within 14 days", [negated], sentences) is None
    # Given polarities are used instead of computing them.
    assert find_verbatim("devices can be returned within 14 days", [negated], sentences, sentence_polarities=[0])
