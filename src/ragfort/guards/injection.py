"""The injection guard: retrieved passages must not give the assistant orders.

Indirect prompt injection hides instructions in content the model reads as
context: a help-center page, a scraped web page, an uploaded document. At the
retrieval stage this guard scores every passage and removes (or flags, or
blocks on) the ones that read as instructions to an AI rather than
information for a customer. At the input stage it scores the question itself
(direct injection): ``flag`` allows it with findings, ``remove`` and
``block`` refuse it.

The scoring (normalisation, the rules grouped by technique, the context
signals and how they combine) lives in `ragfort.injection`; this module holds
the settings, the threshold and what the guard does with a score. Findings
name the technique and the offsets, never the passage text.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from ragfort.context import RunContext
from ragfort.guards.base import BaseGuard, GuardSettings
from ragfort.injection import RULES, InjectionHit, InjectionScan, InjectionScanner, NormalisedText, normalise
from ragfort.types import Action, Finding, Passage, Stage, Turn, Verdict

__all__ = [
    "DEFAULT_THRESHOLD",
    "RULES",
    "InjectionGuard",
    "InjectionHit",
    "InjectionScan",
    "InjectionScanner",
    "InjectionSettings",
    "NormalisedText",
    "normalise",
]

# By design a single strong rule (>= 0.8) passes it alone and two medium cues (0.45 + 0.45 -> 0.70) together,
# while a lone weak cue (<= 0.5) does not. benchmarks/injection_quality.py checks it against the even ids of
# evals/injection/passages.jsonl (F1 is flat from 0.30 to 0.75 there) and reports the odd ids held out.
DEFAULT_THRESHOLD = 0.6
FINDING_LABEL = "prompt_injection"


# -- settings ------------------------------------------------------------------


class InjectionSettings(GuardSettings):
    """Settings of the injection guard (the ``injection`` entry of a policy).

    Attributes:
        action: ``remove`` drops flagged passages (abstaining when none is
            left), ``flag`` keeps them and reports findings, ``block``
            refuses the request.
        threshold: the score from which a passage counts as an injection.
        trusted_domains: the company's own domains (subdomains included):
            their links and addresses are not suspicious, and look-alikes of
            them (``vo1twise``, ``voltwise-refunds.example.net``) are.
        extra_patterns: your own regular expressions, matched against the
            normalised text (lower case, accents dropped, whitespace single);
            a match alone flags the passage.
        after_generation: for opaque chains the retrieval gate runs after the
            answer was written from the passages; ``abstain`` discards that
            answer when a passage is removed, ``keep`` leaves it to the
            output guards (grounding checks it against the passages left).
    """

    action: Literal["remove", "flag", "block"] = "remove"
    threshold: float = Field(default=DEFAULT_THRESHOLD, gt=0.0, le=1.0)
    trusted_domains: tuple[str, ...] = ()
    extra_patterns: tuple[str, ...] = ()
    after_generation: Literal["keep", "abstain"] = "keep"

    @field_validator("trusted_domains")
    @classmethod
    def _domains_are_hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = []
        for domain in value:
            d = domain.strip().lower().lstrip(".")
            if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d):
                raise ValueError(f"trusted_domains entries are host names like 'example.com', got {domain!r}")
            cleaned.append(d)
        return tuple(cleaned)

    @field_validator("extra_patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"extra_patterns entry {pattern!r} is not a valid regular expression: {exc}") from None
        return value


# -- the guard -----------------------------------------------------------------


class InjectionGuard(BaseGuard):
    """Removes, flags or blocks on retrieved passages that carry instructions for the assistant.

    Args:
        stage: `Stage.RETRIEVAL` (indirect injection in passages) or
            `Stage.INPUT` (direct injection in the question).
        required: a fault in a required guard fails the request closed.
        **settings: `InjectionSettings` fields.
    """

    name: ClassVar[str] = "injection"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.RETRIEVAL, Stage.INPUT})
    Settings: ClassVar[type[GuardSettings]] = InjectionSettings

    def __init__(self, *, stage: Stage = Stage.RETRIEVAL, required: bool = False, **settings: Any) -> None:
        super().__init__(stage=stage, required=required)
        self.settings = InjectionSettings(**settings)
        self.scanner = InjectionScanner(
            trusted_domains=self.settings.trusted_domains, extra_patterns=self.settings.extra_patterns
        )

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        """Score the passages (or, at input, the question) and act on those over the threshold."""
        if self.stage is Stage.INPUT:
            return self._check_question(turn)
        return self._check_passages(turn)

    def _check_question(self, turn: Turn) -> Verdict:
        scan = self.scanner.scan(turn.question)
        if scan.score < self.settings.threshold:
            return self.verdict(Action.ALLOW, score=scan.score)
        findings = _findings(scan, where="question")
        reason = f"question reads as instructions to the assistant ({', '.join(scan.techniques)})"
        action = Action.ALLOW if self.settings.action == "flag" else Action.BLOCK
        return self.verdict(action, score=scan.score, reason=reason, findings=findings)

    def _check_passages(self, turn: Turn) -> Verdict:
        if not turn.documents:
            return self.verdict(Action.ALLOW, score=0.0, reason="no passages to check")
        s = self.settings
        scans = [self.scanner.scan(p.text) for p in turn.documents]
        flagged = [i for i, scan in enumerate(scans) if scan.score >= s.threshold]
        top = max(scan.score for scan in scans)
        if not flagged:
            return self.verdict(Action.ALLOW, score=top, reason=f"{len(scans)} passages checked, none flagged")
        findings = tuple(f for i in flagged for f in _findings(scans[i], where=_where(i, turn.documents[i])))
        techniques = sorted({t for i in flagged for t in scans[i].techniques})
        summary = (
            f"{len(flagged)} of {len(scans)} passages read as instructions to the assistant ({', '.join(techniques)})"
        )
        if s.action == "flag":
            return self.verdict(Action.ALLOW, score=top, reason=f"flagged {summary}", findings=findings)
        if s.action == "block":
            return self.verdict(Action.BLOCK, score=top, reason=f"blocked: {summary}", findings=findings)
        drop = set(flagged)
        kept = tuple(p for i, p in enumerate(turn.documents) if i not in drop)
        answered = turn.answer is not None
        if not kept or (answered and s.after_generation == "abstain"):
            # No answer travels on: an answer already written from these passages may carry the injection.
            new = turn.evolve(documents=kept, answer=None, citations=(), claims=(), groundedness=None)
            why = "no passage left" if not kept else "the answer was written from a removed passage"
            return self.verdict(
                Action.ABSTAIN, score=top, reason=f"removed {summary}; {why}", findings=findings, turn=new
            )
        return self.verdict(
            Action.REWRITE, score=top, reason=f"removed {summary}", findings=findings, turn=turn.evolve(documents=kept)
        )


def _where(i: int, passage: Passage) -> str:
    return f"passage {i} ({passage.doc_id})" if passage.doc_id else f"passage {i}"


def _findings(scan: InjectionScan, *, where: str) -> tuple[Finding, ...]:
    return tuple(
        Finding(label=FINDING_LABEL, start=h.start, end=h.end, score=h.weight, detail=f"{where}: {h.technique}")
        for h in scan.hits
    )
