"""The A/B report: Wilson and bootstrap intervals, and per-variant figures from traces and feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ragfort.server.abreport import ab_report, bootstrap_mean, wilson
from ragfort.server.feedback import FeedbackStore


def test_wilson_matches_known_values() -> None:
    est = wilson(8, 10)
    assert est.value == pytest.approx(0.8)
    assert est.low == pytest.approx(0.4902, abs=1e-3)
    assert est.high == pytest.approx(0.9433, abs=1e-3)
    zero = wilson(0, 20)
    assert zero.low == 0.0 and 0.0 < (zero.high or 0) < 0.2
    assert wilson(0, 0).value is None


def test_bootstrap_interval_contains_the_mean_and_is_reproducible() -> None:
    values = [float(v) for v in range(1, 101)]
    est = bootstrap_mean(values)
    assert est.value == pytest.approx(50.5)
    assert est.low is not None and est.high is not None
    assert est.low < 50.5 < est.high
    assert est.low > 40 and est.high < 61
    assert bootstrap_mean(values) == est
    assert bootstrap_mean([]).value is None


def record(trace: str, variant: str, *, status: str = "ok", grounded: float | None = 0.9, ms: float = 50.0
           ) -> dict[str, Any]:
    return {"trace_id": trace, "tenant": "t", "variant": variant, "status": status, "groundedness": grounded,
            "timings_ms": {"total": ms}}


def test_report_compares_variants(tmp_path: Path) -> None:
    records = [record(f"a{i}", "a", ms=40.0 + i) for i in range(10)]
    records += [record(f"b{i}", "b", status="abstained" if i < 5 else "ok", grounded=None, ms=80.0) for i in range(10)]
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    for i in range(4):
        store.add(trace_id=f"a{i}", tenant="t", variant="a", rating=1 if i else -1, comment=None)
    store.add(trace_id="b0", tenant="t", variant="b", rating=-1, comment=None)
    store.add(trace_id="x", tenant="other", variant="a", rating=1, comment=None)
    report = ab_report(tmp_path, tenant="t", records=records)
    a, b = report.variants
    assert (a.variant, a.answers, a.ratings) == ("a", 10, 4)
    assert a.feedback_rate.value == pytest.approx(0.4)
    assert a.thumbs_up_rate.value == pytest.approx(0.75)
    assert a.abstention_rate.value == 0.0
    assert a.groundedness.value == pytest.approx(0.9)
    assert a.latency_ms.value == pytest.approx(44.5)
    assert b.abstention_rate.value == pytest.approx(0.5)
    assert b.groundedness.value is None
    table = report.table()
    assert "thumbs-up rate" in table and "75.0%" in table and "n/a" in table


def test_report_reads_trace_files_per_tenant(tmp_path: Path) -> None:
    import json

    for tenant, variant in (("t", "a"), ("u", "z")):
        folder = tmp_path / "traces" / tenant
        folder.mkdir(parents=True)
        rec = record("1", variant) | {"tenant": tenant}
        (folder / "traces-2026-01-01.jsonl").write_text(json.dumps(rec) + "\n{torn")
    assert [v.variant for v in ab_report(tmp_path, tenant="t").variants] == ["a"]
    assert [v.variant for v in ab_report(tmp_path).variants] == ["a", "z"]
