"""Comparing two runs: what changed, and which changes exceed the noise.

A change counts as a regression or an improvement only when it is larger
than the uncertainty of both runs: the new value lies outside the baseline's
bootstrap interval *and* the baseline value lies outside the new interval.
Smaller moves are reported as "within noise". Leak and error counts are
strict: any increase is a regression. Which way is better comes
from the metric (`ragfort.evals.metrics.direction`): lower latency, fewer
leaks and a lower hallucination rate are improvements.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragfort.errors import GoldenSetError
from ragfort.evals.metrics import direction, flatten

__all__ = ["Change", "Comparison", "compare_reports", "load_report"]

# Counts where any increase matters, whatever the noise: one more leak is a regression.
_STRICT = frozenset({"privacy.pii_leaks", "run.errors"})


@dataclass(frozen=True, slots=True)
class Change:
    """One metric in both runs."""

    path: str
    old: float
    new: float
    verdict: str  # regression | improvement | changed | within-noise | same

    @property
    def delta(self) -> float:
        return self.new - self.old

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.path,
            "old": self.old,
            "new": self.new,
            "delta": round(self.delta, 6),
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """All metrics present in both runs, plus those only in one."""

    baseline: str
    changes: tuple[Change, ...]
    only_old: tuple[str, ...]
    only_new: tuple[str, ...]

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.verdict == "regression"]

    @property
    def improvements(self) -> list[Change]:
        return [c for c in self.changes if c.verdict == "improvement"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "regressions": [c.path for c in self.regressions],
            "improvements": [c.path for c in self.improvements],
            "changes": [c.to_dict() for c in self.changes],
            "only_in_baseline": list(self.only_old),
            "only_in_new": list(self.only_new),
        }


def load_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a report.json; raises `GoldenSetError` when it is not one."""
    src = Path(path)
    if src.is_dir():
        src = src / "report.json"
    try:
        data = json.loads(src.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoldenSetError(f"baseline report {str(src)!r} does not exist") from None
    except (OSError, ValueError) as exc:
        raise GoldenSetError(f"baseline report {str(src)!r} is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict) or "schema_version" not in data:
        raise GoldenSetError(f"baseline {str(src)!r} is not a ragfort eval report.json (no schema_version/metrics)")
    return data


def _outside(value: float, interval: Any) -> bool:
    if not isinstance(interval, list | tuple) or len(interval) != 2:
        return False
    return bool(value < interval[0] or value > interval[1])


def compare_reports(old: Mapping[str, Any], new: Mapping[str, Any], *, baseline: str = "") -> Comparison:
    """Compare two report.json objects metric by metric."""
    old_m = {k: v for k, v in flatten(old["metrics"]).items() if isinstance(v, int | float)}
    new_m = {k: v for k, v in flatten(new["metrics"]).items() if isinstance(v, int | float)}
    old_ci = old.get("intervals", {})
    new_ci = new.get("intervals", {})
    changes = []
    for path in sorted(old_m.keys() & new_m.keys()):
        a, b = float(old_m[path]), float(new_m[path])
        if a == b:
            verdict = "same"
        elif path in old_ci and path in new_ci and path not in _STRICT:
            if _outside(b, old_ci[path]) and _outside(a, new_ci[path]):
                sign = direction(path)
                verdict = "changed" if sign == 0 else ("improvement" if (b - a) * sign > 0 else "regression")
            else:
                verdict = "within-noise"
        else:
            # No intervals, or a strict count: any move in a directed metric counts.
            sign = direction(path)
            verdict = "changed" if sign == 0 else ("improvement" if (b - a) * sign > 0 else "regression")
        changes.append(Change(path, a, b, verdict))
    return Comparison(
        baseline=baseline,
        changes=tuple(changes),
        only_old=tuple(sorted(old_m.keys() - new_m.keys())),
        only_new=tuple(sorted(new_m.keys() - old_m.keys())),
    )
