"""Citation markers sit before the final punctuation and after closing quotes."""

from __future__ import annotations

import pytest

from ragfort.grounding.citations import _marker_position


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Refunds take 5 days.", "Refunds take 5 days [1]."),
        ('To turn it on, see "Roaming On".', 'To turn it on, see "Roaming On" [1].'),
        ("Returns are free (in store).", "Returns are free (in store) [1]."),
        ("No punctuation at all", "No punctuation at all [1]"),
    ],
)
def test_marker_goes_before_the_full_stop_and_after_closing_quotes(sentence: str, expected: str) -> None:
    pos = _marker_position(sentence, 0, len(sentence))
    assert sentence[:pos] + " [1]" + sentence[pos:] == expected
