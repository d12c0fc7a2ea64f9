"""Claim splitting and the removal of model-written citation markers."""

from __future__ import annotations

from ragfort.grounding.claims import split_claims, strip_markers


def test_claims_keep_exact_offsets_into_the_answer() -> None:
    text = "Devices can be returned within 14 days. Refunds take 5 business days!"
    claims = split_claims(text)
    assert [c.text for c in claims] == ["Devices can be returned within 14 days.", "Refunds take 5 business days!"]
    for c in claims:
        assert text[c.start : c.end] == c.text


def test_compound_sentences_split_into_clauses_but_lists_do_not() -> None:
    text = "Laptops can be returned within 14 days; phones can be returned within 30 days."
    claims = split_claims(text)
    assert [c.text for c in claims] == [
        "Laptops can be returned within 14 days",
        "phones can be returned within 30 days.",
    ]
    assert claims[0].sentence == claims[1].sentence == 0
    assert len(split_claims("We ship to France, Spain and Italy.")) == 1


def test_markers_are_removed_and_offsets_map_back() -> None:
    answer = "Returns take 14 days [1]. Refunds take 5 days [doc2][3]."
    clean = strip_markers(answer)
    assert clean.text == "Returns take 14 days. Refunds take 5 days."
    assert clean.markers == 3
    for c in split_claims(clean.text):
        s, e = clean.to_original(c.start, c.end)
        # The original span holds the claim, possibly with the markers it carried.
        assert strip_markers(answer[s:e]).text == c.text


def test_answer_of_only_markers_or_whitespace_has_no_claims() -> None:
    assert split_claims(strip_markers("  [1] [2]\n").text) == []
    assert split_claims("") == []
    assert split_claims("   \n\t") == []
