"""The vocabulary of ragfort: read this file to learn the library.

A request flows through three *stages* (`Stage`): the customer's question
(input), the passages a retriever found (retrieval) and the generated answer
(output). At each stage, *guards* look at an immutable `Turn` and return a
`Verdict` whose `Action` says what to do: let it through (possibly with
`Finding`s, spans of interest such as a detected entity or an unsupported
claim), rewrite it (the verdict carries the new turn), block it, abstain, or
skip the check because the latency budget ran out.

What the caller gets back is a `GuardedAnswer`: the final answer, its
`Citation`s (exact character spans of the indexed passages), per-claim
`Claim` verdicts, the `Redaction`s applied, every verdict, cache status,
timings and the budget report. `GuardedAnswer.to_dict()` is the JSON of the
product contract, field for field.

Everything here is a frozen dataclass: stages never mutate a turn, they
return a new one (`Turn.evolve`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "ANSWERABILITY_KEY",
    "ANSWERS_KEY",
    "Action",
    "AnswerChunk",
    "BudgetReport",
    "CacheStatus",
    "Citation",
    "Claim",
    "Fault",
    "Finding",
    "GuardedAnswer",
    "HistoryMessage",
    "Passage",
    "Redaction",
    "Stage",
    "Status",
    "Turn",
    "Verdict",
]


class Stage(StrEnum):
    """Where in a request a guard runs."""

    INPUT = "input"
    RETRIEVAL = "retrieval"
    OUTPUT = "output"


class Action(StrEnum):
    """What a guard decided.

    `ALLOW` lets the turn through unchanged (findings may still be attached),
    `REWRITE` replaces the turn with `Verdict.turn` (redaction, stripping
    unsupported sentences), `BLOCK` stops the request with a refusal,
    `ABSTAIN` stops it with an honest "I don't know", and `SKIP` records that
    an optional guard did not run because the budget was spent.
    """

    ALLOW = "allow"
    REWRITE = "rewrite"
    BLOCK = "block"
    ABSTAIN = "abstain"
    SKIP = "skip"


class Status(StrEnum):
    """The overall outcome reported to the caller."""

    OK = "ok"
    REDACTED = "redacted"
    BLOCKED = "blocked"
    ABSTAINED = "abstained"
    FALLBACK = "fallback"


class CacheStatus(StrEnum):
    """Whether the answer came from the cache, and how."""

    MISS = "miss"
    EXACT_HIT = "exact_hit"
    SEMANTIC_HIT = "semantic_hit"


@dataclass(frozen=True, slots=True)
class Finding:
    """A span a guard found: an entity, a claim, an injected instruction.

    Offsets are into the text the guard examined (`Verdict.stage` tells which).
    `detail` is a short human explanation; it never holds raw personal data.
    """

    label: str
    start: int
    end: int
    score: float
    detail: str = ""


# Keys the relevance guard's answerability judge adds to `Passage.metadata` (see guards/relevance.py):
# the probability that the passage answers the question, and whether it reaches the guard's threshold.
ANSWERABILITY_KEY = "answerability"
ANSWERS_KEY = "answers"


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved passage, as indexed.

    `text` is exactly the indexed chunk text, `start` its offset in the
    document text as indexed (so `document[start:start + len(text)]` is
    `text`), and `sentences` the `(start, end)` offsets of its sentences
    within `text`, computed at ingest. `score` is the retrieval relevance in
    [0, 1] when the retriever reports one. `public` is True when the source
    was declared public at ingest (a help center is; support tickets are
    not): public text is never rewritten by the PII guard, since what it
    names (the support line, a store's address) is published on purpose.
    """

    text: str
    doc_id: str
    source: str = ""
    title: str = ""
    start: int = 0
    chunk_id: str = ""
    score: float | None = None
    sentences: tuple[tuple[int, int], ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    public: bool = False

    @property
    def end(self) -> int:
        """Offset just past this passage in its document."""
        return self.start + len(self.text)


@dataclass(frozen=True, slots=True)
class Citation:
    """An exact span of an indexed document that supports part of the answer.

    `quote == document_text[start:end]`, where `document_text` is the
    document as indexed (for chunks that ragfort did not index, the passage
    text itself, with `start` relative to it).
    """

    id: int
    doc_id: str
    source: str
    start: int
    end: int
    quote: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable statement of the answer and whether the passages support it.

    `supported` is None when the claim was not checked. `signals` are short
    explanations of what decided the verdict (for `ragfort ask --explain`);
    they are not part of the JSON contract.
    """

    text: str
    supported: bool | None
    score: float
    citation_ids: tuple[int, ...] = ()
    signals: tuple[str, ...] = ()
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "supported": self.supported,
            "score": round(self.score, 4),
            "citation_ids": list(self.citation_ids),
        }


@dataclass(frozen=True, slots=True)
class Redaction:
    """A piece of personal data that was replaced, without the value itself."""

    stage: Stage
    entity: str
    placeholder: str

    def to_dict(self) -> dict[str, Any]:
        return {"stage": str(self.stage), "entity": self.entity, "placeholder": self.placeholder}


@dataclass(frozen=True, slots=True)
class HistoryMessage:
    """One earlier message of the conversation a question belongs to.

    Attributes:
        role: the speaker as LangChain names it (``human``, ``ai``, ``system``, ``tool``).
        content: the message's text (redacted once the input PII guard ran).
    """

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Turn:
    """One question and what the pipeline has made of it so far.

    Immutable: guards return a new turn with `evolve`. `answer` is None until
    generation. `redactions` accumulate as PII guards rewrite text, so later
    stages know which placeholders are real. `history` holds the earlier
    messages of the conversation the caller passed with the question; the
    input PII guard redacts them like the question, and the cache keys on them.
    `resolved_question` is what retrieval searched on when the question was a
    follow-up resolved against the history (None when it was the question).
    """

    question: str
    documents: tuple[Passage, ...] = ()
    answer: str | None = None
    citations: tuple[Citation, ...] = ()
    claims: tuple[Claim, ...] = ()
    groundedness: float | None = None
    redactions: tuple[Redaction, ...] = ()
    history: tuple[HistoryMessage, ...] = ()
    resolved_question: str | None = None

    def evolve(self, **changes: Any) -> Turn:
        """Return a copy with `changes` applied."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Fault:
    """Why a guard raised instead of deciding, safe to log and persist (see `ragfort.faults`).

    Attributes:
        type: the exception's class name (``TypeError``).
        message: its message, scrubbed of quoted values and personal-data shapes.
        lineage: the class names of its method resolution order, so that a
            kind of fault (a backend outage) can be recognised by name
            without importing the library that raised it.
    """

    type: str
    message: str = ""
    lineage: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one guard decided about one turn at one stage.

    Guards return verdicts; they never raise to say no. `turn` is set only for
    `Action.REWRITE`. `score` is the guard's confidence or measurement in
    [0, 1] (for example the groundedness), None when it has none. `fault` is
    set when the guard raised instead of deciding (a bug or a broken
    dependency, never a policy decision): the exception's class and message,
    scrubbed of personal data (`ragfort.faults.describe_fault`). An output
    guard sets `regenerate` (why the answer failed, e.g. its unsupported
    claims) to ask for one new answer; the pipeline's output gate grants it
    when the generator can write again and time remains, else the verdict's
    action stands as it is.
    """

    guard: str
    stage: Stage
    action: Action
    score: float | None = None
    reason: str = ""
    findings: tuple[Finding, ...] = ()
    turn: Turn | None = None
    fault: Fault | None = None
    regenerate: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.action is Action.REWRITE and self.turn is None:
            raise ValueError(f"guard {self.guard!r}: a rewrite verdict must carry the new turn")
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise ValueError(f"guard {self.guard!r}: score must be in [0, 1], got {self.score!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "guard": self.guard,
            "stage": str(self.stage),
            "action": str(self.action),
            "score": None if self.score is None else round(self.score, 4),
            "reason": self.reason,
        } | ({"fault": str(self.fault)} if self.fault is not None else {})


@dataclass(frozen=True, slots=True)
class BudgetReport:
    """The request's latency budget and the stages that were degraded to meet it."""

    total_ms: float | None
    degraded: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"total_ms": self.total_ms, "degraded": list(self.degraded)}


@dataclass(frozen=True, slots=True)
class GuardedAnswer:
    """The result of a guarded run; `to_dict()` is the product contract's JSON.

    `documents` carries the retrieved passages (as the guards saw them) for
    callers and later processing; `exchange` is the question and the answer
    as the guards left them (placeholders, never the customer's values put
    back), which is what a conversation store may keep. Neither is part of
    the JSON.
    """

    answer: str
    status: Status
    citations: tuple[Citation, ...] = ()
    claims: tuple[Claim, ...] = ()
    groundedness: float | None = None
    redactions: tuple[Redaction, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    cache: CacheStatus = CacheStatus.MISS
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    budget: BudgetReport = BudgetReport(total_ms=None)
    trace_id: str = ""
    documents: tuple[Passage, ...] = ()
    variant: str | None = None
    exchange: tuple[HistoryMessage, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the product contract."""
        return {
            "answer": self.answer,
            "status": str(self.status),
            "citations": [c.to_dict() for c in self.citations],
            "claims": [c.to_dict() for c in self.claims],
            "groundedness": None if self.groundedness is None else round(self.groundedness, 4),
            "redactions": [r.to_dict() for r in self.redactions],
            "verdicts": [v.to_dict() for v in self.verdicts],
            "cache": str(self.cache),
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
            "budget": self.budget.to_dict(),
            "trace_id": self.trace_id,
        }

    def __add__(self, other: object) -> GuardedAnswer:
        # Streams end with the complete result; when LangChain sums a stream's
        # chunks, the complete result replaces whatever came before it.
        if isinstance(other, GuardedAnswer):
            return other
        return NotImplemented


@dataclass(frozen=True, slots=True)
class AnswerChunk:
    """A piece of answer text yielded by `stream()` after it passed the output guards.

    A stream yields chunks and then the complete `GuardedAnswer`. Chunks add
    up to a chunk, and a chunk plus the final result is the result, so
    LangChain's stream aggregation ends on the `GuardedAnswer`.

    Attributes:
        text: the new text (appended to what came before).
        replace: True when `text` replaces everything streamed so far: a
            guard that checked the whole answer changed what was already
            shown (it abstained, or a fallback answered instead).
    """

    text: str
    replace: bool = False

    def __add__(self, other: object) -> AnswerChunk | GuardedAnswer:
        if isinstance(other, AnswerChunk):
            return other if other.replace else AnswerChunk(self.text + other.text, self.replace)
        if isinstance(other, GuardedAnswer):
            return other
        return NotImplemented
