"""Per-record scores, checked against hand-computed values."""

from __future__ import annotations

import math

import pytest

from ragfort.evals.scoring import citation_scores, retrieval_scores, token_f1


def test_retrieval_scores_on_a_ranked_list_with_duplicates() -> None:
    # Deduplicated ranking: x, a, y, b -> relevant a at rank 2, b at rank 4.
    scores = retrieval_scores(["x", "a", "x", "y", "b", "a"], ["a", "b"])
    assert scores["hit_at_1"] == 0.0
    assert scores["hit_at_3"] == 1.0
    assert scores["recall_at_3"] == 0.5
    assert scores["recall_at_5"] == 1.0
    assert scores["mrr"] == 0.5
    ideal = 1 + 1 / math.log2(3)
    assert scores["ndcg_at_5"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)


def test_retrieval_needs_relevant_docs() -> None:
    with pytest.raises(ValueError):
        retrieval_scores(["a"], [])


def test_token_f1_ignores_case_punctuation_and_articles() -> None:
    assert token_f1("The refund takes 5 days.", "refund takes 5 days") == 1.0
    # pred {refund, takes, 7, days} vs ref {refund, takes, 5, days}: 3 common -> P = R = 0.75
    assert token_f1("refund takes 7 days", "refund takes 5 days") == pytest.approx(0.75)
    assert token_f1("", "something") == 0.0


def test_citation_precision_is_undefined_without_citations() -> None:
    assert citation_scores([], ["a"]) == (None, 0.0)
    assert citation_scores(["a", "a", "z"], ["a", "b"]) == (0.5, 0.5)
