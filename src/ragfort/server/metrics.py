"""Prometheus metrics of one app, in the app's own `CollectorRegistry`.

A registry per app (not prometheus-client's global one) lets several apps
live in one process (tests, benchmarks) without "Duplicated timeseries"
errors. Every metric about answers carries a ``variant`` label (``none``
when the policy defines no variants); tenants are not labels, to keep the
series count independent of the number of customers.

Answer metrics are fed from trace records (`observe_record`), so the
streaming and the plain path count the same way and nothing raw is ever
seen here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

_LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


class Metrics:
    """The service's metrics.

    Attributes:
        registry: the registry `/metrics` renders.
    """

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "ragfort_http_requests", "HTTP requests by route and status code.", ["route", "method", "code"], registry=r
        )
        self.http_latency = Histogram(
            "ragfort_http_request_seconds", "HTTP request latency by route.", ["route"],
            buckets=_LATENCY_BUCKETS_S, registry=r,
        )
        self.answers = Counter(
            "ragfort_answers", "Guarded answers by status.", ["status", "variant"], registry=r
        )
        self.stage_latency = Histogram(
            "ragfort_stage_seconds", "Time per pipeline stage (from the result's timings).", ["stage", "variant"],
            buckets=_LATENCY_BUCKETS_S, registry=r,
        )
        self.guard_actions = Counter(
            "ragfort_guard_actions", "Guard verdicts by guard, stage and action.",
            ["guard", "stage", "action", "variant"], registry=r,
        )
        self.redactions = Counter(
            "ragfort_redactions", "Redacted values by entity type and stage.", ["entity", "stage", "variant"],
            registry=r,
        )
        self.groundedness = Histogram(
            "ragfort_groundedness", "Groundedness of checked answers.", ["variant"], buckets=_SCORE_BUCKETS,
            registry=r,
        )
        self.cache = Counter("ragfort_cache_lookups", "Cache outcomes.", ["result", "variant"], registry=r)
        self.cache_hit_ratio = Gauge(
            "ragfort_cache_hit_ratio", "Share of answers served from the cache since start.", registry=r
        )
        self.degraded = Counter(
            "ragfort_budget_degraded", "Steps degraded or skipped to meet the latency budget.", ["what", "variant"],
            registry=r,
        )
        self.fallbacks = Counter(
            "ragfort_budget_fallbacks", "Answers that fell back because of the latency budget.", ["variant"],
            registry=r,
        )
        self.feedback = Counter(
            "ragfort_feedback", "Feedback received by rating.", ["rating", "variant"], registry=r
        )
        self.rate_limited = Counter("ragfort_rate_limited", "Requests refused with 429.", registry=r)
        self._hits = 0
        self._lookups = 0
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def child(self, metric: Any, *labels: str) -> Any:
        """`metric.labels(*labels)`, remembered (label values here come from small fixed sets)."""
        # prometheus-client's labels() validates and locks on every call; the children are stable, so keep them.
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def observe_record(self, record: Mapping[str, Any]) -> None:
        """Count one finished request from its trace record."""
        variant = str(record.get("variant") or "none")
        status = str(record.get("status", "unknown"))
        child = self.child
        child(self.answers, status, variant).inc()
        for stage, ms in (record.get("timings_ms") or {}).items():
            if isinstance(ms, (int, float)):
                child(self.stage_latency, str(stage), variant).observe(ms / 1000.0)
        for v in record.get("verdicts") or ():
            child(self.guard_actions, str(v.get("guard")), str(v.get("stage")), str(v.get("action")), variant).inc()
        for red in record.get("redactions") or ():
            child(self.redactions, str(red.get("entity")), str(red.get("stage")), variant).inc()
        grounded = record.get("groundedness")
        if isinstance(grounded, (int, float)):
            child(self.groundedness, variant).observe(float(grounded))
        cache = str(record.get("cache", "miss"))
        child(self.cache, cache, variant).inc()
        self._lookups += 1
        self._hits += cache != "miss"
        self.cache_hit_ratio.set(self._hits / self._lookups)
        budget = record.get("budget") or {}
        for what in budget.get("degraded") or ():
            self.degraded.labels(str(what), variant).inc()
        if status == "fallback":
            self.fallbacks.labels(variant).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of this registry."""
        return generate_latest(self.registry)
