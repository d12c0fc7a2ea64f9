"""Render per-claim grounding verdicts as plain text, for ``ragfort ask --explain``.

Works on anything with ``claims`` and ``citations`` (a `GuardedAnswer` or a
`Turn`): for each claim, the verdict, its probability, the evidence quotes
it cites with their sources, and the signals that decided it.
"""

from __future__ import annotations

from typing import Protocol

from ragfort.types import Citation, Claim

__all__ = ["explain"]


class _HasClaims(Protocol):
    @property
    def claims(self) -> tuple[Claim, ...]: ...

    @property
    def citations(self) -> tuple[Citation, ...]: ...

    @property
    def groundedness(self) -> float | None: ...


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(answer_result: _HasClaims) -> str:
    """A readable account of every claim of `answer_result` and why it was judged so."""
    if not answer_result.claims:
        return "No claims were checked (empty answer, or grounding did not run)."
    by_id = {c.id: c for c in answer_result.citations}
    lines: list[str] = []
    for n, claim in enumerate(answer_result.claims, 1):
        if claim.supported is None:
            verdict = "NOT CHECKED"
        elif claim.supported:
            verdict = f"supported ({claim.score:.2f})"
        else:
            verdict = f"UNSUPPORTED ({claim.score:.2f})"
        lines.append(f"{n}. {verdict}: {_shorten(claim.text)}")
        for cid in claim.citation_ids:
            cit = by_id.get(cid)
            if cit is not None:
                where = cit.source or cit.doc_id
                lines.append(f'   [{cid}] {where} @{cit.start}-{cit.end}: "{_shorten(cit.quote)}"')
        for signal in claim.signals:
            lines.append(f"   - {signal}")
    g = answer_result.groundedness
    lines.append(f"groundedness: {'n/a' if g is None else f'{g:.2f}'} (weakest claim)")
    return "\n".join(lines)
