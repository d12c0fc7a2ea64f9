"""Prometheus metrics fed from trace records: one registry per app, a ``variant`` label, no tenant label."""

from __future__ import annotations

from typing import Any

import pytest
from tests.server.conftest import metric_value as _value

from ragfort.server.metrics import Metrics


def _record(**over: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "trace_id": "t-1", "tenant": "acme", "variant": None, "status": "ok", "cache": "miss",
        "timings_ms": {"retrieve": 40.0, "total": 120.0},
        "verdicts": [{"guard": "pii", "stage": "input", "action": "redact"}],
        "redactions": [{"entity": "EMAIL_ADDRESS", "stage": "input"}],
        "groundedness": 0.92, "budget": {"degraded": []},
    }  # fmt: skip
    record.update(over)
    return record


def test_an_answer_is_counted_by_status_stage_guard_and_redaction() -> None:
    m = Metrics()
    m.observe_record(_record())
    m.observe_record(_record(trace_id="t-2", status="blocked", variant="b", timings_ms={"retrieve": "n/a"}))
    assert _value(m, "ragfort_answers_total", status="ok", variant="none") == 1.0
    assert _value(m, "ragfort_answers_total", status="blocked", variant="b") == 1.0
    assert _value(m, "ragfort_stage_seconds_count", stage="retrieve", variant="none") == 1.0
    assert _value(m, "ragfort_stage_seconds_sum", stage="total", variant="none") == pytest.approx(0.12)
    assert _value(m, "ragfort_stage_seconds_count", stage="retrieve", variant="b") is None  # not a number: skipped
    assert _value(m, "ragfort_guard_actions_total", guard="pii", stage="input", action="redact", variant="none") == 1
    assert _value(m, "ragfort_redactions_total", entity="EMAIL_ADDRESS", stage="input", variant="b") == 1.0
    assert _value(m, "ragfort_groundedness_sum", variant="none") == pytest.approx(0.92)
    assert "acme" not in m.render().decode()  # tenants are never labels


def test_the_hit_ratio_counts_every_cache_outcome_but_a_miss() -> None:
    m = Metrics()
    for cache in ("miss", "exact_hit", "semantic_hit", "miss"):
        m.observe_record(_record(cache=cache))
    assert _value(m, "ragfort_cache_hit_ratio") == 0.5
    assert _value(m, "ragfort_cache_lookups_total", result="miss", variant="none") == 2.0
    assert _value(m, "ragfort_cache_lookups_total", result="semantic_hit", variant="none") == 1.0


def test_budget_fallbacks_and_degraded_steps_are_counted() -> None:
    m = Metrics()
    m.observe_record(_record(status="fallback", budget={"degraded": ["grounding:skipped", "fallback:stale_cache"]}))
    m.observe_record(_record(budget=None, groundedness=None, verdicts=None, redactions=None, timings_ms=None))
    assert _value(m, "ragfort_budget_fallbacks_total", variant="none") == 1.0
    assert _value(m, "ragfort_budget_degraded_total", what="fallback:stale_cache", variant="none") == 1.0
    assert _value(m, "ragfort_answers_total", status="ok", variant="none") == 1.0  # the sparse record counts too


def test_two_apps_in_one_process_keep_their_own_counts() -> None:
    one, two = Metrics(), Metrics()  # the global registry would refuse the second ("Duplicated timeseries")
    one.observe_record(_record())
    one.rate_limited.inc()
    assert _value(one, "ragfort_answers_total", status="ok", variant="none") == 1.0
    assert _value(two, "ragfort_answers_total", status="ok", variant="none") is None
    assert (_value(one, "ragfort_rate_limited_total"), _value(two, "ragfort_rate_limited_total")) == (1.0, 0.0)


def test_a_labelled_child_is_made_once_and_reused() -> None:
    m = Metrics()
    child = m.child(m.http_requests, "/v1/ask", "POST", "200")
    assert m.child(m.http_requests, "/v1/ask", "POST", "200") is child
    assert m.child(m.http_requests, "/v1/ask", "POST", "429") is not child
    child.inc(3)
    assert _value(m, "ragfort_http_requests_total", route="/v1/ask", method="POST", code="200") == 3.0
