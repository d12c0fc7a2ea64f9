"""The eval report's figures: legible at the size report.html shows them, no text on text, no empty slots.

Each figure is drawn from data shaped like a real help-center report (19
tags, three of which have no retrieval or answer metrics; six timed stages)
and from a bigger one. The figures are caught as they are saved, so the
checks see exactly what goes into the PNG.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Callable, Iterator, Mapping
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from ragfort.evals import plots
from ragfort.evals.render import render_html

# Tags of the bundled help-center golden set, with the retrieval.recall_at_5 and answers.token_f1 a run
# gives them; None where a tag has no answerable question (no relevant documents, no reference answer).
REAL_TAGS: dict[str, tuple[float | None, float | None]] = {
    "account": (1.0, 0.47), "billing": (1.0, 0.50), "company": (None, None), "confusable": (1.0, 0.36),
    "devices": (1.0, 0.57), "multi-doc": (1.0, 0.58), "pii": (1.0, 0.39), "plan": (1.0, 0.39),
    "refunds": (1.0, 0.41), "repairs": (0.83, 0.28), "returns": (1.0, 0.42), "rewards": (1.0, 0.23),
    "roaming": (1.0, 0.36), "shipping": (1.0, 0.34), "split:dev": (1.0, 0.42), "split:test": (0.96, 0.37),
    "stores": (None, None), "trade-in": (1.0, 0.49), "unanswerable": (None, None),
}
REAL_STAGES = ("input", "cache", "retrieval", "generation", "output", "total")
PATHS = ("retrieval.recall_at_5", "answers.token_f1")


def by_tag(tags: Mapping[str, tuple[float | None, float | None]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, (tag, (recall, f1)) in enumerate(tags.items()):
        metrics: dict[str, Any] = {"run": {"records": 3 + i % 7, "errors": 0}, "status": {"ok_rate": 0.9}}
        intervals: dict[str, list[float]] = {}
        if recall is not None:
            metrics["retrieval"] = {"recall_at_5": recall, "hit_at_1": recall}
            intervals["retrieval.recall_at_5"] = [max(0.0, recall - 0.15), min(1.0, recall + 0.05)]
        if f1 is not None:
            metrics["answers"] = {"token_f1": f1}
            intervals["answers.token_f1"] = [max(0.0, f1 - 0.12), min(1.0, f1 + 0.2)]
        if tag == "stores":
            metrics["answers"] = {"token_f1": None}  # present but empty, as an unanswerable-only tag gives
        out[tag] = {"metrics": metrics, "intervals": intervals, "support": {}}
    return out


def rows(stages: tuple[str, ...], n: int = 69) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    scale = {"cache": 1.5, "generation": 0.2, "input": 18.0, "output": 15.0, "retrieval": 28.0, "total": 70.0}
    return [
        {"id": f"hc-{i:03d}", "timings_ms": {s: float(rng.lognormal(0, 0.6) * scale.get(s, 40.0)) for s in stages}}
        for i in range(n)
    ]


FLAT = {
    "retrieval.hit_at_1": 0.87, "retrieval.recall_at_5": 0.98, "retrieval.mrr": 0.93, "retrieval.ndcg_at_5": 0.94,
    "answers.token_f1": 0.40, "answers.similarity": 0.68, "abstention.precision": 0.75, "abstention.recall": 0.25,
    "grounding.groundedness_mean": 1.0, "grounding.hallucination_rate": 0.0, "citations.precision": 0.74,
    "citations.recall": 0.83,
}
INTERVALS = {p: [max(0.0, v - 0.1), min(1.0, v + 0.1)] for p, v in FLAT.items()}

# A bigger run: many tags with long names, more stages (a policy with more guards).
BIG_TAGS = {
    f"{name}-{i}": ((None, None) if i % 9 == 4 else (0.5 + (i % 5) / 10, 0.2 + (i % 7) / 10 if i % 4 else None))
    for i, name in enumerate(["returns", "international-shipping", "split:test", "account-security", "pii"] * 8)
}
BIG_STAGES = ("input", "cache", "retrieval", "retrieval_guards", "generation", "output", "grounding", "total")

DATASETS = {
    "real": (REAL_TAGS, REAL_STAGES),
    "big": (BIG_TAGS, BIG_STAGES),
}


def figures_of(draw: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """The figures `draw()` saves, caught on their way into the PNG."""
    caught: list[Figure] = []
    save = Figure.savefig

    def catch(self: Figure, *args: Any, **kwargs: Any) -> Any:
        caught.append(self)
        # Cropped to whatever was drawn ("tight"), nothing can be cut off at the edge.
        self._saved_tight = kwargs.get("bbox_inches") == "tight"  # type: ignore[attr-defined]
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", catch)
    assert draw() is not None
    monkeypatch.undo()
    assert len(caught) == 1
    return caught


def renderer(fig: Figure) -> Any:
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)  # a closed figure lost its Agg canvas
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


def drawn_texts(fig: Figure) -> Iterator[Text]:
    """Every visible, non-empty text the figure draws (titles, tick and axis labels, legend entries...)."""
    renderer(fig)
    fig.canvas.draw()
    off_view: set[int] = set()  # tick labels the locator made for ticks outside the view are not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            slack = (hi - lo) * 1e-9
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - slack <= tick.get_loc() <= hi + slack:
                    off_view.update((id(tick.label1), id(tick.label2)))
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and id(text) not in off_view:
            yield text


def overlaps(a: Bbox, b: Bbox) -> bool:
    # Touching edges are fine; half a pixel of shared ink is not.
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5


def assert_no_text_on_text(fig: Figure) -> None:
    texts = list(drawn_texts(fig))
    boxes = [(t.get_text(), t.get_window_extent(renderer(fig))) for t in texts]
    assert len(boxes) > 5
    clashes = [(a, b) for (a, box_a), (b, box_b) in combinations(boxes, 2) if overlaps(box_a, box_b)]
    assert not clashes, f"overlapping texts: {clashes[:8]}"
    # A figure title reads as one only above the subplot titles, not on their line.
    title = fig.get_suptitle()
    if title:
        top = next(box for t, box in zip(texts, boxes, strict=True) if t is fig._suptitle)[1]
        lines = [(ax.get_title(), ax.title.get_window_extent(renderer(fig))) for ax in fig.axes if ax.get_title()]
        beside = [t for t, box in lines if box.y1 > top.y0 + 0.5]
        assert not beside, f"subplot titles on the figure title's line: {beside}"
    if not getattr(fig, "_saved_tight", False):
        page = fig.bbox
        cut = [t for t, box in boxes if box.x0 < page.x0 - 0.5 or box.x1 > page.x1 + 0.5
               or box.y0 < page.y0 - 0.5 or box.y1 > page.y1 + 0.5]
        assert not cut, f"texts cut off at the figure's edge: {cut}"


@pytest.mark.parametrize("data", sorted(DATASETS))
def test_latency_histograms_have_no_text_on_text(data: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, stages = DATASETS[data]
    (fig,) = figures_of(lambda: plots.latency_histograms(rows(stages)), monkeypatch)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert sorted(titles) == sorted(stages)
    assert_no_text_on_text(fig)


@pytest.mark.parametrize("data", sorted(DATASETS))
def test_metric_bars_have_no_text_on_text(data: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (fig,) = figures_of(lambda: plots.metric_bars(FLAT, INTERVALS), monkeypatch)
    assert_no_text_on_text(fig)


@pytest.mark.parametrize("data", sorted(DATASETS))
def test_tag_bars_have_no_text_on_text_and_no_empty_slots(data: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tags, _ = DATASETS[data]
    (fig,) = figures_of(lambda: plots.tag_bars(by_tag(tags)), monkeypatch)
    assert_no_text_on_text(fig)
    (ax,) = fig.axes
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0 and p.get_height() > 0]
    horizontal = ax.get_yticklabels()[0].get_text() in tags
    axis = ax.yaxis if horizontal else ax.xaxis
    shown = {label.get_text(): loc for label, loc in zip(axis.get_ticklabels(), axis.get_ticklocs(), strict=True)}
    expected = {t: sum(v is not None for v in values) for t, values in tags.items()}
    # Every tag on the axis has a bar for each metric it has, and a tag with none is left off the axis.
    assert set(shown) == {t for t, k in expected.items() if k}
    for tag, loc in shown.items():
        # A slot is the band of one tag: its bars sit side by side, centred on the tick, with no gap.
        spans = sorted(
            (b.get_y(), b.get_y() + b.get_height()) if horizontal else (b.get_x(), b.get_x() + b.get_width())
            for b in bars
            if abs(((b.get_y() + b.get_height() / 2) if horizontal else (b.get_x() + b.get_width() / 2)) - loc) < 0.5
        )
        assert len(spans) == expected[tag], (tag, spans)
        assert all(abs(a[1] - b[0]) < 1e-9 for a, b in pairwise(spans)), (tag, spans)
        assert abs((spans[0][0] + spans[-1][1]) / 2 - loc) < 1e-9, (tag, spans, loc)
    # The legend sits outside the plot, never over the bars.
    legends = [lg for lg in [ax.get_legend(), *fig.legends] if lg is not None]
    assert len(legends) == 1
    legend_box = legends[0].get_window_extent(renderer(fig))
    assert not [b for b in bars if overlaps(legend_box, b.get_window_extent(renderer(fig)))]


def png_size(uri: str) -> tuple[int, int]:
    data = base64.b64decode(uri.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("data", sorted(DATASETS))
def test_report_shows_each_figure_at_the_size_it_was_drawn(data: str, tmp_path: Path) -> None:
    tags, stages = DATASETS[data]
    report = {
        "metrics": {"retrieval": {"hit_at_1": 0.87}}, "intervals": INTERVALS, "by_tag": by_tag(tags),
        "golden": {"evaluated": 69, "errors": 0, "warnings": 0, "problems": []},
        "config": {"golden": "evals/help_center.jsonl", "index": "idx", "index_version": "v1", "policy": "p",
                   "policy_fingerprint": "f", "generator": "extractive", "seed": 0, "concurrency": 2,
                   "resamples": 200},
        "run": {"wall_s": 60, "records_run": 69},
    }
    page = render_html(report, rows(stages))
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 3
    body_width = int(re.search(r"max-width:(\d+)px", page).group(1))  # type: ignore[union-attr]
    for img in images:
        uri = re.search(r"src='([^']+)'", img).group(1)  # type: ignore[union-attr]
        shown = re.search(r"width='(\d+)' height='(\d+)'", img)
        assert shown, f"the page does not say at what size to show the figure: {img[:80]}"
        width, height = int(shown.group(1)), int(shown.group(2))
        # Shown within the page's column, never scaled down (small text would shrink with it), and drawn
        # at exactly twice that size so it stays sharp on high-density screens.
        assert width <= body_width
        assert png_size(uri) == (2 * width, 2 * height)
    assert "height:auto" in page.replace(" ", "")  # a narrower window scales the figures without distortion
