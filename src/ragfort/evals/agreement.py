"""Reviewer agreement on golden labels: Cohen's kappa and per-record consensus.

When records carry ``labels`` from several reviewers, the set's reliability
is Cohen's kappa for each pair of reviewers over the records both labelled,
averaged over pairs when there are more than two (Light's kappa). A record
whose reviewers disagree has no consensus: it stays out of metrics and gates
until someone settles it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from ragfort.evals.golden import GoldenRecord

__all__ = ["Agreement", "cohen_kappa", "measure_agreement"]


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two raters' binary labels of the same items (None when there are none).

    When both raters put every item in one category, chance agreement is 1
    and kappa is undefined; it is reported as 1.0 when they agree on every
    item, which is what a reader expects.
    """
    if len(a) != len(b):
        raise ValueError(f"raters labelled different numbers of items: {len(a)} vs {len(b)}")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement across a golden set's reviewer labels."""

    kappa: float | None
    pairs: dict[str, float | None]
    labelled_records: int
    no_consensus: tuple[str, ...]
    consensus: dict[str, bool]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kappa": None if self.kappa is None else round(self.kappa, 4),
            "pairs": {k: None if v is None else round(v, 4) for k, v in self.pairs.items()},
            "labelled_records": self.labelled_records,
            "no_consensus": list(self.no_consensus),
        }


def measure_agreement(records: Sequence[GoldenRecord]) -> Agreement:
    """Kappa per reviewer pair, their mean, and which records reached consensus.

    Only records with labels from at least two reviewers count. A reviewer
    who labels a record twice counts once (the last label).
    """
    per_record: dict[str, dict[str, bool]] = {}
    for rec in records:
        by_reviewer = {label.reviewer: label.answerable for label in rec.labels}
        if len(by_reviewer) >= 2:
            per_record[rec.id] = by_reviewer
    reviewers = sorted({r for labels in per_record.values() for r in labels})
    pairs: dict[str, float | None] = {}
    for r1, r2 in combinations(reviewers, 2):
        both = [labels for labels in per_record.values() if r1 in labels and r2 in labels]
        if both:
            pairs[f"{r1}~{r2}"] = cohen_kappa([x[r1] for x in both], [x[r2] for x in both])
    values = [v for v in pairs.values() if v is not None]
    consensus: dict[str, bool] = {}
    no_consensus: list[str] = []
    for rid, labels in per_record.items():
        distinct = set(labels.values())
        if len(distinct) == 1:
            consensus[rid] = distinct.pop()
        else:
            no_consensus.append(rid)
    return Agreement(
        kappa=sum(values) / len(values) if values else None,
        pairs=pairs,
        labelled_records=len(per_record),
        no_consensus=tuple(no_consensus),
        consensus=consensus,
    )
