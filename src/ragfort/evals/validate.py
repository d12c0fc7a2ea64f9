"""Checks a golden set before a run: index coverage, duplicates, split leakage, consensus.

`validate_golden` never raises on a bad record: it returns the records fit
to run and a `Problem` for each thing found. Errors drop the record (unknown
doc ids, no reviewer consensus); warnings keep it (duplicate or near-duplicate
questions, the same question in two splits, labels that contradict the
record).

A conversation record is compared by what it asks (`GoldenRecord.asks`:
its standalone question, else its question after the customer's earlier
messages), so "Is there a fee for it?" in two conversations is no duplicate.

Near-duplicates are found with MiniLM: cosine similarity of the question
vectors at or above `near_threshold` (0.95 by default: rewordings of one
question score there, different questions about one topic score lower).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ragfort.evals.agreement import Agreement, measure_agreement
from ragfort.evals.golden import GoldenLoad, GoldenRecord, Problem, split_of

__all__ = ["Validated", "validate_golden"]

_BLOCK = 512  # rows of the similarity matrix at a time: bounded memory for large sets


@dataclass(frozen=True, slots=True)
class Validated:
    """The records to run, every problem (from loading and validation), and reviewer agreement."""

    records: tuple[GoldenRecord, ...]
    problems: tuple[Problem, ...]
    agreement: Agreement

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluated": len(self.records),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
            "agreement": self.agreement.to_dict(),
        }


def _norm(question: str) -> str:
    return re.sub(r"\W+", " ", question.casefold()).strip()


def _pair_problem(a: GoldenRecord, b: GoldenRecord, lines: dict[str, int], how: str) -> Problem:
    sa, sb = split_of(a), split_of(b)
    if sa and sb and sa != sb:
        return Problem(
            "split-leak",
            f"{how} question in splits {sa!r} ({a.id}) and {sb!r} ({b.id})",
            line=lines.get(b.id),
            record_id=b.id,
            severity="warning",
        )
    kind = "duplicate-question" if how == "same" else "near-duplicate"
    return Problem(
        kind,
        f"{how} question as {a.id} (line {lines.get(a.id)})",
        line=lines.get(b.id),
        record_id=b.id,
        severity="warning",
    )


def _near_pairs(vectors: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    pairs: list[tuple[int, int, float]] = []
    n = len(vectors)
    for lo in range(0, n, _BLOCK):
        sims = vectors[lo : lo + _BLOCK] @ vectors.T
        rows, cols = np.nonzero(sims >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i = lo + r
            if c > i:
                pairs.append((i, c, float(sims[r, c])))
    return pairs


def validate_golden(
    load: GoldenLoad,
    *,
    doc_ids: Collection[str] | None = None,
    embed: Any = None,
    near_threshold: float = 0.95,
) -> Validated:
    """Validate loaded records against the index and each other.

    Args:
        load: what `load_golden` returned (its problems are carried over).
        doc_ids: the index's document ids; None skips the coverage check.
        embed: a function from a list of texts to normalised vectors (e.g.
            ``get_embedder().encode``); None skips near-duplicate detection.
        near_threshold: cosine similarity from which two questions are near-duplicates.
    """
    if not 0.0 < near_threshold <= 1.0:
        raise ValueError(f"near_threshold must be in (0, 1], got {near_threshold!r}")
    problems = list(load.problems)
    lines = load.lines
    known = set(doc_ids) if doc_ids is not None else None
    kept: list[GoldenRecord] = []
    agreement = measure_agreement(load.records)
    excluded = set(agreement.no_consensus)
    for rec in load.records:
        line = lines.get(rec.id)
        if known is not None:
            missing = [d for d in rec.relevant_doc_ids if d not in known]
            if missing:
                problems.append(
                    Problem(
                        "unknown-doc", f"relevant_doc_ids not in the index: {missing!r}", line=line, record_id=rec.id
                    )
                )
                continue
        if rec.id in excluded:
            votes = ", ".join(f"{lab.reviewer}={lab.answerable}" for lab in rec.labels)
            problems.append(
                Problem(
                    "no-consensus",
                    f"reviewers disagree on answerable ({votes}); kept out of metrics",
                    line=line,
                    record_id=rec.id,
                )
            )
            continue
        agreed = agreement.consensus.get(rec.id)
        if agreed is not None and agreed != rec.answerable:
            problems.append(
                Problem(
                    "label-mismatch",
                    f"reviewers agree answerable={agreed}; the record says {rec.answerable}, using the reviewers'",
                    line=line,
                    record_id=rec.id,
                    severity="warning",
                )
            )
            rec = rec.model_copy(update={"answerable": agreed})
        if not rec.answerable and rec.relevant_doc_ids:
            problems.append(
                Problem(
                    "inconsistent",
                    "unanswerable record lists relevant_doc_ids",
                    line=line,
                    record_id=rec.id,
                    severity="warning",
                )
            )
        if rec.standalone_question is not None and not rec.history:
            problems.append(
                Problem(
                    "inconsistent",
                    "standalone_question is set but the record has no history",
                    line=line,
                    record_id=rec.id,
                    severity="warning",
                )
            )
        if rec.answerable and not rec.reference_answer.strip() and not rec.relevant_doc_ids:
            problems.append(
                Problem(
                    "no-reference",
                    "answerable record has neither a reference answer nor relevant docs",
                    line=line,
                    record_id=rec.id,
                    severity="warning",
                )
            )
        kept.append(rec)

    seen: dict[str, GoldenRecord] = {}
    exact: set[tuple[int, int]] = set()
    index_of = {rec.id: i for i, rec in enumerate(kept)}
    for rec in kept:
        key = _norm(rec.asks)
        if key in seen:
            problems.append(_pair_problem(seen[key], rec, lines, "same"))
            exact.add((index_of[seen[key].id], index_of[rec.id]))
        else:
            seen[key] = rec
    if embed is not None and len(kept) > 1:
        vectors = np.asarray(embed([rec.asks for rec in kept]), dtype=np.float32)
        for i, j, sim in _near_pairs(vectors, near_threshold):
            if (i, j) in exact or _norm(kept[i].asks) == _norm(kept[j].asks):
                continue
            problems.append(_pair_problem(kept[i], kept[j], lines, f"near-identical (cosine {sim:.3f})"))
    return Validated(records=tuple(kept), problems=tuple(problems), agreement=agreement)


def summarize(problems: Sequence[Problem], *, limit: int = 20) -> list[str]:
    """Printable lines for the first `limit` problems, plus a count of the rest."""
    out = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        out.append(f"... and {len(problems) - limit} more (see report.json golden.problems)")
    return out
