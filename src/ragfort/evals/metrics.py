"""Aggregate metrics over result rows, with bootstrap confidence intervals.

Every metric is an aggregate of one per-record vector: a mean over the
records it applies to (NaN elsewhere), a quantile, or a sum. That one shape
makes the bootstrap uniform: resample records with replacement (a fixed
seed), recompute every aggregate on the same resamples, take the central
interval. Metric paths are dotted (``retrieval.recall_at_5``); the values go
into report.json ``metrics`` as a nested object, the intervals and the
number of records behind each value into flat maps keyed by the same paths.

A metric that no record applies to is null (never 0): a gate on it fails
with "no data" rather than passing on nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ragfort.evals.runner import ResultRow
from ragfort.evals.scoring import KS

__all__ = [
    "LOWER_IS_BETTER",
    "MetricSet",
    "by_tag",
    "compute_metrics",
    "direction",
    "flatten",
    "lookup",
    "possible_path",
]

Vector = npt.NDArray[np.float64]
Agg = Callable[[Vector], Vector]  # (B, n) resampled values → (B,) aggregates

_STATUSES = ("ok", "redacted", "blocked", "abstained", "fallback")
_ANSWERED = frozenset({"ok", "redacted", "fallback"})

# Where a smaller number is the better one (for baseline comparisons); other
# paths are better when larger, except the neutral ones.
LOWER_IS_BETTER = (
    "latency.",
    "run.errors",
    "grounding.hallucination_rate",
    "privacy.pii_leaks",
    "privacy.leak_rate",
    "abstention.false_rate",
    "usage.",
)
_NEUTRAL = ("run.records", "status.", "cache.", "privacy.questions_with_pii")


def direction(path: str) -> int:
    """+1 when larger is better, -1 when smaller is better, 0 when neither."""
    if path.startswith(_NEUTRAL):
        return 0
    return -1 if path.startswith(LOWER_IS_BETTER) else 1


@dataclass
class MetricSet:
    """Metric values (nested), their intervals and support (flat, by dotted path)."""

    values: dict[str, Any] = field(default_factory=dict)
    intervals: dict[str, list[float]] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.values, "intervals": self.intervals, "support": self.support}


def _put(tree: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaf values of a nested metrics object."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def lookup(tree: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; raises KeyError naming the path when there is none."""
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(path)
        node = node[part]
    if isinstance(node, Mapping):
        raise KeyError(path)
    return node


_FIXED_GROUPS: dict[str, frozenset[str]] = {
    "run": frozenset({"records", "errors"}),
    "status": frozenset(f"{s}_rate" for s in _STATUSES),
    "retrieval": frozenset({"mrr", *(f"{m}_at_{k}" for m in ("hit", "recall", "ndcg") for k in KS)}),
    "answers": frozenset({"token_f1", "similarity", "judge"}),
    "abstention": frozenset({"precision", "recall", "false_rate", "f1"}),
    "grounding": frozenset({"groundedness_mean", "groundedness_p10", "hallucination_rate", "checked_rate"}),
    "citations": frozenset({"precision", "recall"}),
    "privacy": frozenset({"pii_leaks", "questions_with_pii", "leak_rate"}),
    "cache": frozenset({"hit_rate", "exact_hit_rate", "semantic_hit_rate"}),
    "usage": frozenset({"prompt_tokens", "completion_tokens", "total_tokens", "cost_usd"}),
    "labels": frozenset({"kappa"}),
}
_LATENCY_STATS = frozenset({"mean_ms", "p50_ms", "p95_ms", "p99_ms"})


def possible_path(path: str) -> bool:
    """Whether `path` can name a metric of some run (checked before a run, so typos fail fast).

    Latency stages depend on the pipeline, so ``latency.<any stage>.<stat>`` is possible.
    """
    parts = path.split(".")
    if parts[0] == "latency":
        return len(parts) == 3 and parts[2] in _LATENCY_STATS
    return len(parts) == 2 and parts[1] in _FIXED_GROUPS.get(parts[0], frozenset())


def _mean(x: Vector) -> Vector:
    ok = ~np.isnan(x)
    counts = ok.sum(axis=1)
    sums = np.where(ok, x, 0.0).sum(axis=1)
    out = np.full(len(x), np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def _sum(x: Vector) -> Vector:
    out: Vector = np.where(np.isnan(x), 0.0, x).sum(axis=1)
    return out


def _quantile(q: float) -> Agg:
    def agg(x: Vector) -> Vector:
        out = np.full(len(x), np.nan)
        rows = ~np.isnan(x).all(axis=1)
        if rows.any():
            out[rows] = np.nanquantile(x[rows], q, axis=1)
        return out

    return agg


@dataclass(frozen=True, slots=True)
class _Spec:
    path: str
    values: Vector
    agg: Agg
    digits: int = 4


def _vec(rows: Sequence[ResultRow], fn: Callable[[ResultRow], float | None]) -> Vector:
    out = np.full(len(rows), np.nan)
    for i, row in enumerate(rows):
        if row.get("error"):
            continue
        value = fn(row)
        if value is not None:
            out[i] = float(value)
    return out


def _answered(row: ResultRow) -> bool:
    return row.get("status") in _ANSWERED


def _specs(rows: Sequence[ResultRow]) -> list[_Spec]:
    specs: list[_Spec] = []

    def add(path: str, fn: Callable[[ResultRow], float | None], agg: Agg = _mean, digits: int = 4) -> None:
        specs.append(_Spec(path, _vec(rows, fn), agg, digits))

    errors = np.array([1.0 if row.get("error") else 0.0 for row in rows])
    specs.append(_Spec("run.errors", errors, _sum, 0))

    def is_status(status: str) -> Callable[[ResultRow], float | None]:
        return lambda r: float(r["status"] == status)

    for status in _STATUSES:
        add(f"status.{status}_rate", is_status(status))

    def retrieval(name: str) -> Callable[[ResultRow], float | None]:
        return lambda r: None if r["scores"]["retrieval"] is None else r["scores"]["retrieval"][name]

    for k in KS:
        add(f"retrieval.hit_at_{k}", retrieval(f"hit_at_{k}"))
        add(f"retrieval.recall_at_{k}", retrieval(f"recall_at_{k}"))
        add(f"retrieval.ndcg_at_{k}", retrieval(f"ndcg_at_{k}"))
    add("retrieval.mrr", retrieval("mrr"))

    add("answers.token_f1", lambda r: r["scores"]["token_f1"])
    add("answers.similarity", lambda r: r["scores"]["similarity"])
    if any(not r.get("error") and r["scores"].get("judge") is not None for r in rows):
        add("answers.judge", lambda r: r["scores"].get("judge"))

    add("abstention.precision", lambda r: float(not r["answerable"]) if r["status"] == "abstained" else None)
    add("abstention.recall", lambda r: None if r["answerable"] else float(r["status"] == "abstained"))
    add("abstention.false_rate", lambda r: float(r["status"] == "abstained") if r["answerable"] else None)

    def grounded(r: ResultRow) -> float | None:
        return r["groundedness"] if _answered(r) else None

    def hallucinated(r: ResultRow) -> float | None:
        checked = [c for c in r["claims"] if c["supported"] is not None]
        if not _answered(r) or not checked:
            return None
        return float(any(c["supported"] is False for c in checked))

    add("grounding.groundedness_mean", grounded)
    add("grounding.groundedness_p10", grounded, _quantile(0.10))
    add("grounding.hallucination_rate", hallucinated)
    add("grounding.checked_rate", lambda r: float(r["groundedness"] is not None) if _answered(r) else None)

    add("citations.precision", lambda r: r["scores"]["citation_precision"])
    add("citations.recall", lambda r: r["scores"]["citation_recall"])

    add("privacy.pii_leaks", lambda r: float(bool(r["pii"]["leaked"])), _sum, 0)
    add("privacy.questions_with_pii", lambda r: float(bool(r["pii"]["question_entities"])), _sum, 0)
    add("privacy.leak_rate", lambda r: float(bool(r["pii"]["leaked"])) if r["pii"]["question_entities"] else None)

    stages = sorted({s for r in rows if not r.get("error") for s in r.get("timings_ms", {})})
    for stage in stages:

        def timing(r: ResultRow, s: str = stage) -> float | None:
            value = r["timings_ms"].get(s)
            return None if value is None else float(value)

        add(f"latency.{stage}.mean_ms", timing, _mean, 1)
        for q in (50, 95, 99):
            add(f"latency.{stage}.p{q}_ms", timing, _quantile(q / 100), 1)

    add("cache.hit_rate", lambda r: float(r["cache"] != "miss"))
    add("cache.exact_hit_rate", lambda r: float(r["cache"] == "exact_hit"))
    add("cache.semantic_hit_rate", lambda r: float(r["cache"] == "semantic_hit"))

    if any(not r.get("error") and r.get("usage") for r in rows):

        def tokens(key: str) -> Callable[[ResultRow], float | None]:
            return lambda r: float((r.get("usage") or {}).get(key, 0))

        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            add(f"usage.{key}", tokens(key), _sum, 0)
    return specs


def _round(value: float, digits: int) -> float | int:
    return round(value) if digits == 0 else round(float(value), digits)


def compute_metrics(
    rows: Sequence[ResultRow],
    *,
    seed: int = 0,
    resamples: int = 1000,
    confidence: float = 0.95,
    prices: Mapping[str, float] | None = None,
) -> MetricSet:
    """All metrics of `rows`, with bootstrap intervals.

    Args:
        rows: result rows (see `ragfort.evals.runner`).
        seed: the bootstrap's seed (same rows and seed, same intervals).
        resamples: bootstrap resamples (0 for no intervals).
        confidence: the central interval's coverage.
        prices: USD per 1,000 tokens by usage key (``prompt_tokens``,
            ``completion_tokens``); adds ``usage.cost_usd`` when usage was reported.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if resamples < 0:
        raise ValueError(f"resamples must be >= 0, got {resamples!r}")
    out = MetricSet()
    n = len(rows)
    _put(out.values, "run.records", n)
    out.support["run.records"] = n
    if n == 0:
        return out
    specs = _specs(rows)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n)) if resamples else None
    lo_q, hi_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    for spec in specs:
        support = int((~np.isnan(spec.values)).sum())
        value = spec.agg(spec.values[None, :])[0]
        has = support > 0 and not np.isnan(value)
        _put(out.values, spec.path, _round(value, spec.digits) if has else None)
        out.support[spec.path] = support
        if has and idx is not None:
            boot = spec.agg(spec.values[idx])
            boot = boot[~np.isnan(boot)]
            if len(boot):
                lo, hi = np.quantile(boot, [lo_q, hi_q])
                out.intervals[spec.path] = [_round(lo, max(spec.digits, 1)), _round(hi, max(spec.digits, 1))]
    precision = out.values["abstention"]["precision"]
    recall = out.values["abstention"]["recall"]
    f1 = None
    if precision is not None and recall is not None and precision + recall > 0:
        f1 = round(2 * precision * recall / (precision + recall), 4)
    out.values["abstention"]["f1"] = f1
    out.support["abstention.f1"] = out.support["abstention.recall"]
    if prices and "usage" in out.values:
        usage = out.values["usage"]
        cost = sum(usage.get(key, 0) / 1000.0 * price for key, price in prices.items())
        out.values["usage"]["cost_usd"] = round(cost, 6)
    return out


def by_tag(
    rows: Sequence[ResultRow], *, seed: int = 0, resamples: int = 500, confidence: float = 0.95, min_records: int = 1
) -> dict[str, dict[str, Any]]:
    """`compute_metrics` for each tag's records (tags with at least `min_records`)."""
    tags: dict[str, list[ResultRow]] = {}
    for row in rows:
        for tag in row.get("tags", ()):
            tags.setdefault(tag, []).append(row)
    return {
        tag: compute_metrics(subset, seed=seed, resamples=resamples, confidence=confidence).to_dict()
        for tag, subset in sorted(tags.items())
        if len(subset) >= min_records
    }
