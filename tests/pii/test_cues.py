"""The cue-then-value shape shared by the date, account, customer and passport recognizers."""

from __future__ import annotations

import re

import pytest

from ragfort.pii.cues import FILLER, CuedValueRecognizer


class _Ticket(CuedValueRecognizer):
    ENTITY = "TICKET_ID"
    CUE = re.compile(r"\bticket\b", re.IGNORECASE)
    VALUE = re.compile(r"\d{4,}")


def _values(text: str) -> list[str]:
    return [text[r.start : r.end] for r in _Ticket().analyze(text, ["TICKET_ID"])]


@pytest.mark.parametrize(
    "text", ["ticket 12345", "ticket: 12345", "Ticket # 12345", "ticket no. 12345", "ticket is 12345", "ticket (12345"]
)
def test_the_value_may_follow_the_usual_filler(text: str) -> None:
    assert _values(text) == ["12345"]


@pytest.mark.parametrize(
    "text",
    ["ticket about 12345", "12345 ticket", "ticket for order 12345", "ticket" + " -" * 20 + " 12345"],
)
def test_the_value_must_start_where_the_filler_ends(text: str) -> None:
    assert _values(text) == []


def test_filler_words_are_whole_words() -> None:
    m = FILLER.match("island 5")
    assert m is not None and m.end() == 0  # "is" inside "island" is not filler


def test_each_value_is_reported_once_even_with_two_cues() -> None:
    assert _values("ticket ticket 12345") == ["12345"]
