"""Turn a grounding report into verified citations, `[n]` markers and per-claim `Claim`s.

Citations point at exact document spans: a supporting sentence at
`passage.text[s:e]` becomes `Citation(start=passage.start + s, end=passage.start + e,
quote=passage.text[s:e])`, so `quote` is the document text at `[start:end]`.
They are numbered 1..n in order of first use in the delivered answer, and a
span cited by several claims keeps one number.

Markers go after each supported claim, before the sentence's closing
punctuation ("... within 14 days [1]."). When sentences are stripped, the
whole sentence goes, with the whitespace that followed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ragfort.grounding.scorer import ClaimResult, GroundingReport
from ragfort.types import Citation, Claim, Passage

__all__ = ["RenderedAnswer", "render_answer"]

_CLOSING = ".!?;:…\"')]"
_SENTENCE_END = ".!?;:…"


@dataclass(frozen=True, slots=True)
class RenderedAnswer:
    """The answer as it will be delivered, with its citations and claims.

    Attributes:
        text: the answer with `[n]` markers (and without stripped sentences).
        citations: the citations used by `text`, numbered 1..n.
        claims: every claim, in answer order (stripped ones included, so the
            explanation can show what was removed); offsets are into the
            answer the guard received.
        removed: how many sentences were stripped.
    """

    text: str
    citations: tuple[Citation, ...]
    claims: tuple[Claim, ...]
    removed: int


def _marker_position(text: str, start: int, end: int) -> int:
    # The marker goes before the sentence's final punctuation but after a
    # closing quote or bracket: 'see "Roaming On" [2].', never 'On [2]".'.
    pos = end
    while pos > start and text[pos - 1] in _SENTENCE_END:
        pos -= 1
    if pos < end:
        return pos
    while pos > start and text[pos - 1] in _CLOSING:
        pos -= 1
    return pos


def render_answer(
    report: GroundingReport,
    passages: Sequence[Passage],
    *,
    cite: bool = True,
    strip: bool = False,
) -> RenderedAnswer:
    """Build the delivered answer from `report`.

    Args:
        report: the scored claims.
        passages: the passages the report was computed against.
        cite: insert `[n]` markers and build citations.
        strip: remove every sentence holding an unsupported or unchecked claim.
    """
    text = report.answer.text
    # Sentences to remove: any claim in them that is not positively supported.
    drop: set[int] = set()
    if strip:
        drop = {c.span.sentence for c in report.claims if not c.supported}

    ids: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    claim_ids: list[tuple[int, ...]] = []
    insertions: dict[int, str] = {}
    for result in report.claims:
        own: list[int] = []
        if cite and result.supported and result.span.sentence not in drop:
            for ref in result.evidence:
                passage = passages[ref.passage]
                key = (passage.doc_id, passage.start + ref.start, passage.start + ref.end)
                if key not in ids:
                    ids[key] = len(citations) + 1
                    citations.append(
                        Citation(
                            id=ids[key],
                            doc_id=passage.doc_id,
                            source=passage.source,
                            start=key[1],
                            end=key[2],
                            quote=passage.text[ref.start : ref.end],
                            score=float(result.probability or 0.0),
                        )
                    )
                elif result.probability is not None:
                    old = citations[ids[key] - 1]
                    if result.probability > old.score:
                        citations[ids[key] - 1] = Citation(
                            old.id, old.doc_id, old.source, old.start, old.end, old.quote, result.probability
                        )
                if ids[key] not in own:
                    own.append(ids[key])
            if own:
                pos = _marker_position(text, result.span.start, result.span.end)
                insertions[pos] = insertions.get(pos, "") + "".join(f" [{i}]" for i in own)
        claim_ids.append(tuple(own))

    # Removing a sentence removes everything up to the next sentence's start.
    deletions: list[tuple[int, int]] = []
    if drop:
        starts = sorted({c.span.sentence: c.span.sentence_start for c in report.claims}.items())
        for k, (sentence, s) in enumerate(starts):
            if sentence in drop:
                deletions.append((s, starts[k + 1][1] if k + 1 < len(starts) else len(text)))
    kept: list[tuple[int, int]] = []
    cursor = 0
    for s, e in deletions:
        kept.append((cursor, s))
        cursor = e
    kept.append((cursor, len(text)))

    out: list[str] = []
    pending = sorted(insertions)
    for a, b in kept:
        pos = a
        while pending and pending[0] <= b:
            point = pending.pop(0)
            if point < a:
                continue
            out.append(text[pos:point])
            out.append(insertions[point])
            pos = point
        out.append(text[pos:b])
    rendered = "".join(out).strip()

    claims = tuple(_claim(r, ids_, report) for r, ids_ in zip(report.claims, claim_ids, strict=True))
    return RenderedAnswer(rendered, tuple(citations), claims, len(drop))


def _claim(result: ClaimResult, citation_ids: tuple[int, ...], report: GroundingReport) -> Claim:
    start, end = report.answer.to_original(result.span.start, result.span.end)
    return Claim(
        text=result.span.text,
        supported=result.supported,
        score=0.0 if result.probability is None else result.probability,
        citation_ids=citation_ids,
        signals=result.signals,
        start=start,
        end=end,
    )
