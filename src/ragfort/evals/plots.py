"""Report figures: matplotlib (Agg, no display) rendered to PNG data URIs.

Each function returns a `Png`: a ``data:image/png;base64,...`` URI ready for
an ``<img src>`` (report.html needs no files beside it and no network) and
the size, in CSS pixels, to show it at. A figure is drawn at that size, at
twice the pixel density so it stays sharp on high-density screens, and
report.html shows it at that size: its text is then exactly the point size
set here, never shrunk by a browser fitting a wide image into the column.
Constrained layout gives titles, labels and legends their own room.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: never look for a display

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

__all__ = ["WIDTH_PX", "Png", "latency_histograms", "metric_bars", "tag_bars"]

# report.html's column is 1100 CSS px wide; every figure fits it with room to spare.
WIDTH_PX = 960
_CSS_DPI = 96  # CSS pixels per inch
_DENSITY = 2  # PNG pixels per CSS pixel


def _style() -> AbstractContextManager[None]:
    # Points at 96 dpi: 9 pt is 12 CSS px, the smallest text the report shows next to its 13 px tables.
    return plt.rc_context({
        "font.size": 10, "axes.titlesize": 11, "figure.titlesize": 12, "legend.fontsize": 10,
        "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.labelsize": 10,
    })


@dataclass(frozen=True, slots=True)
class Png:
    """A rendered figure.

    Attributes:
        uri: the PNG as a ``data:`` URI.
        width: the width to show it at, in CSS pixels (the PNG has twice as many).
        height: the height to show it at, in CSS pixels.
        alt: a text alternative (the figure's title).
    """

    uri: str
    width: int
    height: int
    alt: str


@contextmanager
def _figure(height_px: int) -> Iterator[Figure]:
    # Sizes in whole quarters of an inch (24 CSS px): inches x dpi is then exact, and so is the PNG's size.
    height_px = 24 * math.ceil(height_px / 24)
    with _style():
        fig = plt.figure(figsize=(WIDTH_PX / _CSS_DPI, height_px / _CSS_DPI), layout="constrained")
        try:
            yield fig
        except BaseException:
            plt.close(fig)
            raise


def _png(fig: Figure, alt: str) -> Png:
    buf = io.BytesIO()
    with _style():
        # No bbox_inches="tight": that would crop to another size than the one report.html shows.
        fig.savefig(buf, format="png", dpi=_CSS_DPI * _DENSITY)
    width, height = (round(v) for v in fig.get_size_inches() * _CSS_DPI)
    plt.close(fig)
    return Png("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), width, height, alt)


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


def _get(flat: Mapping[str, Any], path: str) -> float | None:
    value = flat.get(path)
    return float(value) if isinstance(value, int | float) else None


def latency_histograms(rows: Sequence[Mapping[str, Any]]) -> Png | None:
    """One histogram per pipeline stage (ms), three to a row, or None when no row has timings."""
    stages: dict[str, list[float]] = {}
    for row in rows:
        for stage, ms in (row.get("timings_ms") or {}).items():
            stages.setdefault(stage, []).append(float(ms))
    if not stages:
        return None
    names = sorted(stages, key=lambda s: (s == "total", s))
    cols = min(3, len(names))
    lines = math.ceil(len(names) / cols)
    title = "Latency per stage (ms)"
    with _figure(48 + 192 * lines) as fig:
        axes = fig.subplots(lines, cols, squeeze=False)
        for ax, stage in zip(axes.flat, names, strict=False):
            ax.hist(stages[stage], bins=30, color="#4C72B0")
            ax.set_title(stage)
        for ax in axes.flat[len(names):]:
            fig.delaxes(ax)
        fig.suptitle(title)
        fig.supylabel("questions")
    return _png(fig, title)


def metric_bars(flat: Mapping[str, Any], intervals: Mapping[str, Sequence[float]]) -> Png | None:
    """Horizontal bars of the [0, 1] metrics with their bootstrap intervals."""
    shown: list[tuple[str, float]] = []
    for path in BAR_METRICS:
        value = _get(flat, path)
        if value is not None:
            shown.append((path, value))
    if not shown:
        return None
    title = "Metrics with 95% bootstrap intervals"
    with _figure(72 + 24 * len(shown)) as fig:
        ax = fig.subplots()
        ys = list(range(len(shown)))[::-1]
        values = [v for _, v in shown]
        lows = [max(0.0, v - intervals.get(p, [v, v])[0]) for p, v in shown]
        highs = [max(0.0, intervals.get(p, [v, v])[1] - v) for p, v in shown]
        ax.barh(ys, values, xerr=[lows, highs], color="#55A868", ecolor="#333333", capsize=3)
        ax.set_yticks(ys, [p for p, _ in shown])
        ax.set_xlim(0, 1.05)
        ax.set_title(title)
    return _png(fig, title)


def tag_bars(
    by_tag: Mapping[str, Mapping[str, Any]], paths: Sequence[str] = ("retrieval.recall_at_5", "answers.token_f1")
) -> Png | None:
    """Per-tag bars (with intervals) of a few headline metrics, one row per tag.

    A tag gets a bar for each metric it has, side by side and centred on its
    row (no empty slot where a metric is missing); a tag with none of them
    (only unanswerable questions, say) is left out and named in the title.
    The legend sits under the plot, never over the bars.
    """
    from ragfort.evals.metrics import flatten

    found: dict[str, list[tuple[int, float, float, float]]] = {}
    for tag in sorted(by_tag):
        flat = flatten(by_tag[tag]["metrics"])
        bars = []
        for j, path in enumerate(paths):
            value = _get(flat, path)
            if value is not None:
                lo, hi = by_tag[tag].get("intervals", {}).get(path, [value, value])
                bars.append((j, value, max(0.0, value - lo), max(0.0, hi - value)))
        found[tag] = bars
    tags = [t for t, bars in found.items() if bars]
    if not tags:
        return None
    left_out = [t for t, bars in found.items() if not bars]
    title = "By tag"
    if left_out:
        names = ", ".join(left_out)
        title += f" (no values: {names})" if len(names) <= 60 else f" ({len(left_out)} tags without values)"
    colors = [f"C{j}" for j in range(len(paths))]
    thick = 0.8 / len(paths)
    with _figure(72 + int(11 * len(paths) + 8) * len(tags)) as fig:
        ax = fig.subplots()
        for i, tag in enumerate(tags):
            bars = found[tag]
            start = i - thick * len(bars) / 2
            for m, (j, value, lo, hi) in enumerate(bars):
                ax.barh(start + (m + 0.5) * thick, value, height=thick, xerr=[[lo], [hi]], color=colors[j],
                        ecolor="#333333", capsize=2)
        ax.set_yticks(range(len(tags)), tags)
        ax.set_ylim(len(tags) - 0.5, -0.5)  # first tag at the top
        ax.set_xlim(0, 1.05)
        ax.set_title(title)
        fig.legend(handles=[Patch(color=c, label=p) for c, p in zip(colors, paths, strict=True)],
                   loc="outside lower center", ncols=len(paths), frameon=False)
    return _png(fig, title)
