"""The support judge's pair rule: a claim that only means something beside its question is read with it."""

from __future__ import annotations

import pytest

from ragfort.judges.support import needs_question, support_pair

PREMISE = "Care+ must be added within 30 days of purchase."
QUESTION = "Can I add Care+ after two months?"


@pytest.mark.parametrize(
    "answer",
    ["No.", "Yes, within 30 days of purchase you can add it online.", "nope", "Not after 30 days, sadly, no.",
     "Within 30 days."],
)  # fmt: skip
def test_yes_no_answers_and_short_fragments_need_their_question(answer: str) -> None:
    assert needs_question(answer)


@pytest.mark.parametrize(
    "answer",
    ["Care+ has to be added within 30 days of purchase.", "Nothing stops you from adding Care+ in the first month.",
     "Yesterday's orders ship within two business days at the latest."],
)  # fmt: skip
def test_a_statement_of_seven_words_or_more_stands_alone(answer: str) -> None:
    # "Nothing" and "Yesterday" start like "no" and "yes" but are not answers to a yes/no question.
    assert not needs_question(answer)


def test_the_pair_puts_the_question_before_a_claim_that_needs_it() -> None:
    assert support_pair(PREMISE, "No.", f"  {QUESTION}\n") == (PREMISE, f"{QUESTION}\nNo.")
    statement = "Care+ has to be added within 30 days of purchase."
    assert support_pair(PREMISE, statement, QUESTION) == (PREMISE, statement)


def test_without_a_question_the_claim_is_read_alone() -> None:
    assert support_pair(PREMISE, "No.") == (PREMISE, "No.")
    assert support_pair(PREMISE, "No.", "   ") == (PREMISE, "No.")
