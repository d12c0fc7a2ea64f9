"""Report figures: matplotlib (Agg, no display) rendered to PNG data URIs.

Each function returns a ``data:image/png;base64,...`` string ready for an
``<img src>``, so report.html needs no files beside it and no network.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: never look for a display

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["latency_histograms", "metric_bars", "tag_bars"]

# The [0, 1] metrics shown as bars, in reading order.
BAR_METRICS = (
    "retrieval.hit_at_1",
    "retrieval.recall_at_5",
    "retrieval.mrr",
    "retrieval.ndcg_at_5",
    "answers.token_f1",
    "answers.similarity",
    "abstention.precision",
    "abstention.recall",
    "grounding.groundedness_mean",
    "grounding.hallucination_rate",
    "citations.precision",
    "citations.recall",
)


def _uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _get(flat: Mapping[str, Any], path: str) -> float | None:
    value = flat.get(path)
    return float(value) if isinstance(value, int | float) else None


def latency_histograms(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """One histogram per pipeline stage (ms), or None when no row has timings."""
    stages: dict[str, list[float]] = {}
    for row in rows:
        for stage, ms in (row.get("timings_ms") or {}).items():
            stages.setdefault(stage, []).append(float(ms))
    if not stages:
        return None
    names = sorted(stages, key=lambda s: (s == "total", s))
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.6), squeeze=False)
    for ax, stage in zip(axes[0], names, strict=True):
        ax.hist(stages[stage], bins=30, color="#4C72B0")
        ax.set_title(stage, fontsize=10)
        ax.set_xlabel("ms", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Latency per stage", fontsize=11)
    return _uri(fig)


def metric_bars(flat: Mapping[str, Any], intervals: Mapping[str, Sequence[float]]) -> str | None:
    """Horizontal bars of the [0, 1] metrics with their bootstrap intervals."""
    shown: list[tuple[str, float]] = []
    for path in BAR_METRICS:
        value = _get(flat, path)
        if value is not None:
            shown.append((path, value))
    if not shown:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 0.32 * len(shown) + 0.8))
    ys = list(range(len(shown)))[::-1]
    values = [v for _, v in shown]
    lows = [max(0.0, v - intervals.get(p, [v, v])[0]) for p, v in shown]
    highs = [max(0.0, intervals.get(p, [v, v])[1] - v) for p, v in shown]
    ax.barh(ys, values, xerr=[lows, highs], color="#55A868", ecolor="#333333", capsize=3)
    ax.set_yticks(ys, [p for p, _ in shown], fontsize=8)
    ax.set_xlim(0, 1.05)
    ax.set_title("Metrics with 95% bootstrap intervals", fontsize=10)
    return _uri(fig)


def tag_bars(
    by_tag: Mapping[str, Mapping[str, Any]], paths: Sequence[str] = ("retrieval.recall_at_5", "answers.token_f1")
) -> str | None:
    """Per-tag bars (with intervals) of a few headline metrics."""
    from ragfort.evals.metrics import flatten

    tags = sorted(by_tag)
    if not tags:
        return None
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(tags) * len(paths)), 3.2))
    width = 0.8 / len(paths)
    for j, path in enumerate(paths):
        xs, ys, errs_lo, errs_hi = [], [], [], []
        for i, tag in enumerate(tags):
            flat = flatten(by_tag[tag]["metrics"])
            value = _get(flat, path)
            if value is None:
                continue
            lo, hi = by_tag[tag].get("intervals", {}).get(path, [value, value])
            xs.append(i + j * width)
            ys.append(value)
            errs_lo.append(max(0.0, value - lo))
            errs_hi.append(max(0.0, hi - value))
        ax.bar(xs, ys, width=width, yerr=[errs_lo, errs_hi], capsize=2, label=path)
    ax.set_xticks(
        [i + width * (len(paths) - 1) / 2 for i in range(len(tags))], tags, rotation=45, ha="right", fontsize=8
    )
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.set_title("By tag", fontsize=10)
    return _uri(fig)
