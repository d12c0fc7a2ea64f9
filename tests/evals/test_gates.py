"""Gate files: conditions, failures, and bad files that never pass silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragfort.errors import GoldenSetError
from ragfort.evals.gates import check_gates, load_gates, parse_gates

METRICS = {
    "retrieval": {"recall_at_5": 0.9},
    "privacy": {"pii_leaks": 1},
    "latency": {"total": {"p95_ms": 420.0}},
    "grounding": {"hallucination_rate": None},
}


def test_conditions_pass_and_fail_as_written() -> None:
    gates = parse_gates(
        {"retrieval.recall_at_5": ">= 0.80", "privacy.pii_leaks": "== 0", "latency.total.p95_ms": "<800"}
    )
    results = {r.gate.path: r for r in check_gates(gates, METRICS)}
    assert results["retrieval.recall_at_5"].passed
    assert not results["privacy.pii_leaks"].passed and results["privacy.pii_leaks"].value == 1
    assert results["latency.total.p95_ms"].passed
    assert "FAIL privacy.pii_leaks == 0 (got 1)" in str(results["privacy.pii_leaks"])


def test_a_metric_without_data_fails_its_gate() -> None:
    [result] = check_gates(parse_gates({"grounding.hallucination_rate": "<= 0.1"}), METRICS)
    assert not result.passed and "no data" in str(result)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"retrieval.recall_at_5": "at least 0.8"}, "malformed condition"),
        ({"retrieval.recall_at_5": 0.8}, "quoted string"),
        ({"retrieval.recal_at_5": ">= 0.8"}, "unknown metric path"),
        ({"recall": ">= 0.8"}, "dotted metric path"),
        ([">= 0.8"], "mapping"),
        ({}, "mapping"),
    ],
)
def test_bad_gate_files_are_errors(data: object, message: str) -> None:
    with pytest.raises(GoldenSetError, match=message):
        parse_gates(data)


def test_a_path_that_can_exist_but_is_absent_from_this_run_is_an_error() -> None:
    gates = parse_gates({"latency.output.p95_ms": "<= 100"})
    with pytest.raises(GoldenSetError, match=r"latency\.output\.p95_ms"):
        check_gates(gates, METRICS)


def test_gate_files_are_read_with_the_safe_loader(tmp_path: Path) -> None:
    path = tmp_path / "gates.yaml"
    path.write_text('retrieval.recall_at_5: !!python/object/apply:os.system ["true"]\n', encoding="utf-8")
    with pytest.raises(GoldenSetError, match="not valid YAML"):
        load_gates(path)
    path.write_text('retrieval.recall_at_5: ">= 0.5"\n', encoding="utf-8")
    assert load_gates(path)[0].threshold == 0.5
