"""The A/B report: variants compared on feedback, groundedness, abstention and latency.

Inputs are what the service already keeps: the trace records under
``<data_dir>/traces/<tenant>/`` (one per answered request, with its variant,
status, groundedness and timings) and the feedback table. Per variant:

* feedback rate: answers that got a rating / answers (Wilson interval);
* thumbs-up rate: ratings of +1 / ratings (Wilson interval);
* abstention rate: answers with status ``abstained`` / answers (Wilson);
* mean groundedness of checked answers and mean total latency, each with a
  95% percentile-bootstrap interval (seeded, so a report is reproducible),
  plus the latency p50/p95.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ragfort.server.feedback import FeedbackStore

__all__ = ["ABReport", "Estimate", "VariantStats", "ab_report", "bootstrap_mean", "wilson"]

NO_VARIANT = "(none)"


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with a 95% interval; `n` is the sample it came from."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    def show(self, *, percent: bool = False, digits: int = 3) -> str:
        if self.value is None or self.low is None or self.high is None:
            return "n/a"
        if percent:
            return f"{self.value:.1%} [{self.low:.1%}, {self.high:.1%}]"
        return f"{self.value:.{digits}g} [{self.low:.{digits}g}, {self.high:.{digits}g}]"


def wilson(successes: int, trials: int, *, z: float = 1.959964) -> Estimate:
    """The Wilson score interval of a rate (well behaved near 0, 1 and for small n)."""
    if trials <= 0:
        return Estimate(None, None, None, 0)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), trials)


def bootstrap_mean(values: Sequence[float], *, resamples: int = 2000, seed: int = 0) -> Estimate:
    """The mean with a 95% percentile-bootstrap interval."""
    n = len(values)
    if n == 0:
        return Estimate(None, None, None, 0)
    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    if n == 1:
        return Estimate(mean, mean, mean, 1)
    rng = np.random.default_rng(seed)
    # Bounded memory: resample in blocks of rows.
    means: list[np.ndarray] = []
    block = max(1, min(resamples, 2_000_000 // n))
    done = 0
    while done < resamples:
        rows = min(block, resamples - done)
        means.append(data[rng.integers(0, n, size=(rows, n))].mean(axis=1))
        done += rows
    all_means = np.concatenate(means)
    return Estimate(mean, float(np.quantile(all_means, 0.025)), float(np.quantile(all_means, 0.975)), n)


@dataclass(frozen=True, slots=True)
class VariantStats:
    """One variant's figures."""

    variant: str
    answers: int
    ratings: int
    feedback_rate: Estimate
    thumbs_up_rate: Estimate
    abstention_rate: Estimate
    groundedness: Estimate
    latency_ms: Estimate
    latency_p50_ms: float | None
    latency_p95_ms: float | None


@dataclass(frozen=True, slots=True)
class ABReport:
    """Per-variant statistics, sorted by variant name."""

    tenant: str | None
    variants: tuple[VariantStats, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "variants": [asdict(v) for v in self.variants]}

    def table(self) -> str:
        """A plain-text table, one row per variant."""
        header = ("variant", "answers", "ratings", "feedback rate", "thumbs-up rate", "abstention rate",
                  "groundedness", "latency ms (mean)", "p50", "p95")
        rows = [header]
        for v in self.variants:
            rows.append((
                v.variant, str(v.answers), str(v.ratings),
                v.feedback_rate.show(percent=True), v.thumbs_up_rate.show(percent=True),
                v.abstention_rate.show(percent=True), v.groundedness.show(), v.latency_ms.show(digits=4),
                "n/a" if v.latency_p50_ms is None else f"{v.latency_p50_ms:.1f}",
                "n/a" if v.latency_p95_ms is None else f"{v.latency_p95_ms:.1f}",
            ))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        note = "95% intervals: Wilson for rates, percentile bootstrap for means."
        return "\n".join([*lines, "", note])


def trace_records(traces_dir: Path, *, tenant: str | None = None) -> Iterator[dict[str, Any]]:
    """Every trace record under `traces_dir` (only `tenant`'s folder when given)."""
    if not traces_dir.is_dir():
        return
    folders = [traces_dir / tenant] if tenant is not None else sorted(p for p in traces_dir.iterdir() if p.is_dir())
    for folder in folders:
        for path in sorted(folder.glob("traces-*.jsonl")):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    line = line.strip()
                    if line:
                        try:
                            yield json.loads(line)
                        except json.JSONDecodeError:
                            continue  # a torn last line from a crash; the rest is still good


def _percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def ab_report(data_dir: str | Path, *, tenant: str | None = None, records: Iterable[dict[str, Any]] | None = None
              ) -> ABReport:
    """Compare variants from the traces and feedback under `data_dir`.

    Args:
        data_dir: the service's data dir.
        tenant: only this tenant's data (None: all tenants).
        records: trace records to use instead of reading the trace files.
    """
    root = Path(data_dir)
    answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records if records is not None else trace_records(root / "traces", tenant=tenant):
        if tenant is not None and rec.get("tenant") != tenant:
            continue
        answers[str(rec.get("variant") or NO_VARIANT)].append(rec)
    ratings: dict[str, list[int]] = defaultdict(list)
    feedback_path = root / "feedback.sqlite"
    if feedback_path.exists():
        for row in FeedbackStore(feedback_path).rows(tenant=tenant):
            ratings[row.variant or NO_VARIANT].append(row.rating)
    stats = []
    for name in sorted(set(answers) | set(ratings)):
        recs = answers.get(name, [])
        rates = ratings.get(name, [])
        latencies = [float(r["timings_ms"]["total"]) for r in recs if "total" in (r.get("timings_ms") or {})]
        grounded = [float(r["groundedness"]) for r in recs if isinstance(r.get("groundedness"), (int, float))]
        stats.append(
            VariantStats(
                variant=name,
                answers=len(recs),
                ratings=len(rates),
                feedback_rate=wilson(min(len(rates), len(recs)), len(recs)),
                thumbs_up_rate=wilson(sum(1 for r in rates if r > 0), len(rates)),
                abstention_rate=wilson(sum(1 for r in recs if r.get("status") == "abstained"), len(recs)),
                groundedness=bootstrap_mean(grounded),
                latency_ms=bootstrap_mean(latencies),
                latency_p50_ms=_percentile(latencies, 50),
                latency_p95_ms=_percentile(latencies, 95),
            )
        )
    return ABReport(tenant=tenant, variants=tuple(stats))
