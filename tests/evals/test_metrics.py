"""Aggregates over result rows: values, nulls without data, seeded bootstrap intervals."""

from __future__ import annotations

from typing import Any

import pytest

from ragfort.evals.metrics import by_tag, compute_metrics, direction, flatten, lookup, possible_path


def row(
    rid: str,
    *,
    answerable: bool = True,
    status: str = "ok",
    recall: float | None = 1.0,
    f1: float | None = 0.5,
    leaked: bool = False,
    total: float = 100.0,
    claims: list[dict[str, Any]] | None = None,
    groundedness: float | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    retrieval = (
        None
        if recall is None
        else {
            "hit_at_1": float(recall > 0),
            "hit_at_3": float(recall > 0),
            "hit_at_5": float(recall > 0),
            "recall_at_1": recall,
            "recall_at_3": recall,
            "recall_at_5": recall,
            "ndcg_at_1": recall,
            "ndcg_at_3": recall,
            "ndcg_at_5": recall,
            "mrr": recall,
        }
    )
    return {
        "id": rid,
        "tags": tags or [],
        "answerable": answerable,
        "status": status,
        "cache": "miss",
        "claims": claims or [],
        "groundedness": groundedness,
        "timings_ms": {"retrieval": total / 2, "total": total},
        "scores": {
            "retrieval": retrieval,
            "token_f1": f1,
            "similarity": f1,
            "judge": None,
            "citation_precision": None,
            "citation_recall": None,
        },
        "pii": {
            "question_entities": ["EMAIL_ADDRESS"] if leaked else [],
            "leaked": ["EMAIL_ADDRESS"] if leaked else [],
        },
        "usage": None,
        "error": None,
    }


def test_metrics_on_a_small_run_match_hand_counts() -> None:
    rows = [
        row("a", recall=1.0, f1=1.0),
        row("b", recall=0.0, f1=0.0, leaked=True, total=300.0),
        row("c", answerable=False, status="abstained", recall=None, f1=None),
        row("d", answerable=False, status="ok", recall=None, f1=None),
        row("e", status="abstained", recall=0.5, f1=0.0),
    ]
    m = compute_metrics(rows, resamples=200).values
    assert m["run"] == {"records": 5, "errors": 0}
    assert m["retrieval"]["recall_at_5"] == pytest.approx(0.5)
    assert m["answers"]["token_f1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["abstention"]["precision"] == 0.5  # c right, e wrong
    assert m["abstention"]["recall"] == 0.5  # c abstained, d answered
    assert m["abstention"]["false_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["privacy"]["pii_leaks"] == 1
    assert m["latency"]["total"]["p50_ms"] == 100.0
    assert m["status"]["abstained_rate"] == 0.4


def test_metrics_without_data_are_null_not_zero() -> None:
    m = compute_metrics([row("a")], resamples=50).values
    assert m["grounding"]["hallucination_rate"] is None
    assert m["abstention"]["recall"] is None


def test_hallucination_rate_counts_answers_with_any_unsupported_claim() -> None:
    ok = {"supported": True, "text": "x", "score": 0.9}
    bad = {"supported": False, "text": "y", "score": 0.1}
    rows = [
        row("a", claims=[ok, bad], groundedness=0.1),
        row("b", claims=[ok], groundedness=0.9),
        row("c", status="abstained", claims=[bad]),
    ]
    m = compute_metrics(rows, resamples=50).values
    assert m["grounding"]["hallucination_rate"] == 0.5
    assert m["grounding"]["groundedness_mean"] == 0.5


def test_intervals_are_seeded_and_contain_the_value() -> None:
    rows = [row(str(i), recall=float(i % 3 == 0), f1=i / 20) for i in range(20)]
    first = compute_metrics(rows, seed=7, resamples=300)
    again = compute_metrics(rows, seed=7, resamples=300)
    other = compute_metrics(rows, seed=8, resamples=300)
    ci = first.intervals["retrieval.recall_at_5"]
    assert ci == again.intervals["retrieval.recall_at_5"]
    assert first.intervals["answers.token_f1"] != other.intervals["answers.token_f1"]
    assert ci[0] <= first.values["retrieval"]["recall_at_5"] <= ci[1]
    assert ci[0] < ci[1]
    assert first.support["retrieval.recall_at_5"] == 20


def test_errors_are_counted_and_left_out_of_the_rest() -> None:
    rows = [row("a"), {"id": "b", "tags": [], "answerable": True, "error": "ChainError: boom"}]
    m = compute_metrics(rows, resamples=20).values
    assert m["run"]["errors"] == 1
    assert m["retrieval"]["recall_at_5"] == 1.0


def test_by_tag_breaks_metrics_down() -> None:
    rows = [row("a", tags=["x"], recall=1.0), row("b", tags=["x", "y"], recall=0.0)]
    tags = by_tag(rows, resamples=20)
    assert tags["x"]["metrics"]["retrieval"]["recall_at_5"] == 0.5
    assert tags["y"]["metrics"]["retrieval"]["recall_at_5"] == 0.0


def test_paths_helpers() -> None:
    tree = {"a": {"b": 1, "c": {"d": None}}}
    assert flatten(tree) == {"a.b": 1, "a.c.d": None}
    assert lookup(tree, "a.c.d") is None
    with pytest.raises(KeyError):
        lookup(tree, "a.c")
    assert possible_path("latency.whatever.p95_ms") and not possible_path("retrieval.recall_at_7")
    assert direction("latency.total.p95_ms") == -1 and direction("retrieval.mrr") == 1
