"""The support judge's pair rule: a claim that only means something beside its question is read with it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from ragfort.judges.support import needs_question, premise_window, support_pair

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


def _sentences(text: str) -> list[int]:
    """Where each line's text and each sentence after ". " starts (enough for these passages)."""
    return [m.start() for m in re.finditer(r"(?:(?<=\n)|(?<=\. )|^)(?=\S)", text)]


def _kept_up_to(limit: int) -> Callable[[str], int]:
    """A judge that reads the first `limit` characters of a premise."""
    return lambda premise: min(len(premise), limit)


def test_a_sentence_that_fits_leaves_the_passage_whole() -> None:
    text = "## Returns\n\nReturns are free. Refunds take 5 days."
    start = text.index("Refunds")
    assert premise_window(text, _sentences(text), (start, len(text)), _kept_up_to(1000)) == text


def test_a_sentence_past_the_cut_is_read_in_a_later_window_under_the_heading() -> None:
    filler = "".join(f"Rule {i} applies to orders. " for i in range(20))
    text = f"## Returns\n\n{filler}We can't accept an expired voucher."
    start = text.index("We can't")
    limit = 200
    window = premise_window(text, _sentences(text), (start, len(text)), _kept_up_to(limit))
    assert window.startswith("## Returns\n\n")
    assert window.endswith("We can't accept an expired voucher.")
    assert len(window) <= limit
    # As much as fits before the sentence is kept: one more sentence of the passage would not fit.
    body = window[len("## Returns\n\n") :]
    begin = text.index(body)
    earlier = max(s for s in _sentences(text) if s < begin)
    assert len("## Returns\n\n") + len(text) - earlier > limit


def test_a_window_inside_a_table_keeps_its_header_rows() -> None:
    rows = "".join(f"| Plan {i} | ${i}0 |\n" for i in range(30))
    text = f"## Prices\n\n| Plan | Price |\n|---|---|\n{rows}| Max | $99 |"
    start = text.index("| Max")
    window = premise_window(text, _sentences(text), (start, len(text)), _kept_up_to(160))
    assert window.startswith("## Prices\n\n| Plan | Price |\n|---|---|\n| Plan")
    assert window.endswith("| Max | $99 |")
    assert len(window) <= 160


def test_a_sentence_too_long_for_any_window_leaves_the_passage_as_it_was() -> None:
    text = "## Returns\n\nShort one. " + "word " * 100 + "end."
    start = text.index("word")
    assert premise_window(text, _sentences(text), (start, len(text)), _kept_up_to(60)) == text
