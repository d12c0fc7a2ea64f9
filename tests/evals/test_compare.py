"""Baseline comparison: only changes beyond both runs' intervals are flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragfort.errors import GoldenSetError
from ragfort.evals.compare import compare_reports, load_report


def report(recall: float, ci: list[float], p95: float, leaks: int) -> dict[str, object]:
    return {
        "schema_version": 1,
        "metrics": {
            "retrieval": {"recall_at_5": recall, "mrr": 0.5},
            "latency": {"total": {"p95_ms": p95}},
            "privacy": {"pii_leaks": leaks},
        },
        "intervals": {
            "retrieval.recall_at_5": ci,
            "latency.total.p95_ms": [p95 - 5, p95 + 5],
            "retrieval.mrr": [0.4, 0.6],
            "privacy.pii_leaks": [0, 3],
        },
    }


def test_regressions_and_improvements_beyond_the_intervals_are_flagged() -> None:
    old = report(0.90, [0.85, 0.95], 500.0, 0)
    new = report(0.70, [0.62, 0.78], 300.0, 1)
    cmp = compare_reports(old, new)
    assert {c.path for c in cmp.regressions} == {"retrieval.recall_at_5", "privacy.pii_leaks"}
    assert [c.path for c in cmp.improvements] == ["latency.total.p95_ms"]
    verdicts = {c.path: c.verdict for c in cmp.changes}
    assert verdicts["retrieval.mrr"] == "same"


def test_small_moves_are_within_noise() -> None:
    cmp = compare_reports(report(0.90, [0.85, 0.95], 500, 0), report(0.88, [0.83, 0.93], 502, 0))
    verdicts = {c.path: c.verdict for c in cmp.changes}
    assert verdicts["retrieval.recall_at_5"] == "within-noise"
    assert verdicts["latency.total.p95_ms"] == "within-noise"


def test_a_file_that_is_not_a_report_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "report.json"
    bad.write_text('{"metrics": {}}', encoding="utf-8")
    with pytest.raises(GoldenSetError, match="schema_version"):
        load_report(tmp_path)
