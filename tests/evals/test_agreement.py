"""Cohen's kappa and consensus, checked against values worked out by hand."""

from __future__ import annotations

import pytest

from ragfort.evals.agreement import cohen_kappa, measure_agreement
from ragfort.evals.golden import GoldenRecord


def test_kappa_matches_the_textbook_example() -> None:
    # 10 items: both yes 4, both no 3, a-yes/b-no 2, a-no/b-yes 1.
    a = [True] * 4 + [False] * 3 + [True] * 2 + [False]
    b = [True] * 4 + [False] * 3 + [False] * 2 + [True]
    # po = 0.7; pa = 0.6, pb = 0.5 -> pe = 0.3 + 0.2 = 0.5; kappa = 0.2 / 0.5
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_is_one_for_perfect_agreement_and_none_without_items() -> None:
    assert cohen_kappa([True, False], [True, False]) == pytest.approx(1.0)
    assert cohen_kappa([True, True], [True, True]) == 1.0
    assert cohen_kappa([], []) is None


def _rec(rid: str, *votes: bool) -> GoldenRecord:
    labels = [{"reviewer": f"r{i}", "answerable": v} for i, v in enumerate(votes)]
    return GoldenRecord.model_validate({"id": rid, "question": rid, "answerable": True, "labels": labels})


def test_records_where_reviewers_disagree_have_no_consensus() -> None:
    agreement = measure_agreement([_rec("a", True, True), _rec("b", True, False), _rec("c", False, False), _rec("d")])
    assert agreement.no_consensus == ("b",)
    assert agreement.consensus == {"a": True, "c": False}
    assert agreement.labelled_records == 3
    # r0 = [T, T, F], r1 = [T, F, F]: po = 2/3, pe = (2/3)(1/3) + (1/3)(2/3) = 4/9 -> kappa = 0.4
    assert agreement.kappa == pytest.approx(0.4)
