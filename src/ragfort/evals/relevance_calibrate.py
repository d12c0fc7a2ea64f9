"""Choose the relevance guard's `min_answerable` for your own help center from labelled questions.

The question model's threshold ships fitted on ragfort's own dev questions
(at most 5% of their answerable ones refused). On a help center it never saw,
the judge ranks questions about as well, but the threshold carries over worse:
left out of training and fitting, Northbeam's answerable questions were
refused 12% of the time and Voltwise's 14% (docs/judges.md). A few dozen of
your own labelled questions fix that:

    ragfort eval-guard relevance golden.jsonl --index .ragfort/index --calibrate

reads each question's top passages from the index as the served guard does
(every passage read, so each question gets its full probability), picks the
highest threshold that refuses at most ``--max-refused`` of the answerable
questions, and prints the policy line (``min_answerable``) beside the
abstention figures at the shipped and the chosen threshold, on the questions
it chose on and, with ``--holdout``, on a share kept out of the choice.
Without ``--calibrate`` it prints the figures at the shipped threshold (the
guard's defaults, not a policy's own ``min_answerable``).

Questions are golden-set records (`ragfort.evals.golden`): ``answerable`` is
the label, and a conversation's ``standalone_question`` is what is retrieved
and judged when it has one.

With a guard whose ``unknown_name_min_answerable`` is set (off by default), a question
that names something the help center never uses (`ragfort.guards.names`, read against
the index's words, on the question as the pipeline would redact it: ``redact``) must
reach that bar whatever the threshold; under it, it is refused at every threshold, as a
question the cosine floor stops is, and counts so in the choice.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ragfort.context import RunContext
from ragfort.errors import ConfigError
from ragfort.evals.golden import GoldenRecord
from ragfort.guards.names import unknown_names
from ragfort.guards.relevance import RelevanceGuard
from ragfort.types import ANSWERABILITY_KEY, Action, Turn

__all__ = [
    "AbstentionScores",
    "QuestionScore",
    "RelevanceCalibration",
    "abstention_metrics",
    "abstention_scores",
    "calibrate_relevance",
    "choose_threshold",
    "score_questions",
    "support_agent_redaction",
]

FLOORED = -1.0  # the score of a question the cosine floor stops: refused at every threshold
# The score of a question naming what the corpus never uses, under `unknown_name_min_answerable`: refused at
# every threshold too.
NAMED = -0.5


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """One labelled question: its label and the guard's probability that it is answerable.

    A question the cosine floor stops (or with nothing retrieved) scores `FLOORED`; one that names what the
    corpus never uses and is under the guard's ``unknown_name_min_answerable`` scores `NAMED`.
    """

    id: str
    answerable: bool
    score: float


@dataclass(frozen=True, slots=True)
class AbstentionScores:
    """Abstention as the positive class, at one threshold."""

    questions: int
    unanswerable: int
    precision: float
    recall: float
    f1: float
    refused: float  # share of the answerable questions refused

    def row(self) -> list[object]:
        return [self.questions, self.unanswerable, f"{self.precision:.3f}", f"{self.recall:.3f}", f"{self.f1:.3f}",
                f"{self.refused:.1%}"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class RelevanceCalibration:
    """The chosen threshold and the figures around it.

    Attributes:
        threshold: the ``min_answerable`` to set.
        shipped: the shipped threshold (the guard's default, or the given guard's ``min_answerable``).
        max_refused: the share of answerable questions the choice may refuse.
        fitted: the questions the threshold was chosen on.
        held_out: the questions kept out of the choice (empty without a holdout).
        note: why the choice is constrained, when it is ("" otherwise).
    """

    threshold: float
    shipped: float
    max_refused: float
    fitted: tuple[QuestionScore, ...]
    held_out: tuple[QuestionScore, ...]
    note: str = ""


def _judging_guard(guard: RelevanceGuard | None) -> RelevanceGuard:
    if guard is None:
        guard = RelevanceGuard(stop_when_answered=False)
    if guard.judge is None or guard.questions is None:
        raise ConfigError("calibrating min_answerable needs the relevance guard's judge and question model turned on")
    if guard.settings.stop_when_answered:
        # Stopping early gives a lower bound, not the probability the threshold is compared with.
        fields = guard.settings.model_dump(exclude_unset=True)
        guard = RelevanceGuard(**{**fields, "stop_when_answered": False})
    return guard


def score_questions(
    records: Sequence[GoldenRecord],
    index: Any,
    *,
    guard: RelevanceGuard | None = None,
    redact: Callable[[str], str] | None = None,
) -> list[QuestionScore]:
    """Each labelled question's probability of being answerable, as the guard computes it over the index's passages.

    Args:
        records: labelled questions.
        index: an `ragfort.index.store.Index` (anything with ``search(question, k)``; with ``words()``
            too, questions naming what it never uses meet the guard's bar for them).
        guard: the relevance guard to calibrate (default: the shipped settings).
        redact: the question as the pipeline's PII guard leaves it, where names are read (a customer's
            own name is a placeholder by then); default: the question as written.
    """
    judging = _judging_guard(guard)
    k = judging.settings.answerability_passages
    bar = judging.settings.unknown_name_min_answerable
    corpus = index.words() if bar is not None and hasattr(index, "words") else None
    pairs = index.word_pairs() if corpus is not None and hasattr(index, "word_pairs") else None
    out: list[QuestionScore] = []
    for record in records:
        question = record.standalone_question or record.question
        passages = tuple(index.search(question, k=k))
        verdict = judging.check(Turn(question=question, documents=passages), RunContext())
        judged = verdict.turn is not None and any(ANSWERABILITY_KEY in p.metadata for p in verdict.turn.documents)
        # Below the cosine floor, or nothing retrieved: no threshold lets it through.
        score = FLOORED if verdict.action is Action.ABSTAIN and not judged else float(verdict.score or 0.0)
        # The customer's own words name things (a standalone rewrite may carry earlier turns' names).
        if bar is not None and corpus is not None and score >= 0.0 and score < bar:
            typed = redact(record.question) if redact is not None else record.question
            score = NAMED if unknown_names(typed, corpus, pairs) else score
        out.append(QuestionScore(id=record.id, answerable=record.answerable, score=score))
    return out


def support_agent_redaction() -> Callable[[str], str]:
    """The question as support_agent's input PII guard redacts it: where the relevance guard reads names (a
    customer's own name is a placeholder by then). Nothing is kept between calls (an in-memory vault)."""
    from ragfort.guards.pii import PIIGuard
    from ragfort.policy import load_policy
    from ragfort.types import Stage

    (entry,) = [g for g in load_policy("support_agent").raw["guards"]["input"] if g["guard"] == "pii"]
    settings = {k: v for k, v in entry.items() if k not in ("guard", "enabled", "required")}
    guard = PIIGuard(stage=Stage.INPUT, **{**settings, "vault": "memory"})

    def redact(question: str) -> str:
        turn = guard.check(Turn(question=question), RunContext()).turn
        return turn.question if turn is not None else question

    return redact


def abstention_metrics(abstained: Sequence[bool], answerable: Sequence[bool]) -> AbstentionScores:
    """Precision, recall and F1 of abstention (the positive class), and the share of answerable questions refused."""
    pairs = list(zip(abstained, answerable, strict=True))
    tp = sum(a and not ok for a, ok in pairs)
    refused = sum(a and ok for a, ok in pairs)
    positives = sum(not ok for _a, ok in pairs)
    precision = tp / (tp + refused) if tp + refused else 0.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    share = refused / (len(pairs) - positives) if len(pairs) > positives else 0.0
    return AbstentionScores(len(pairs), positives, precision, recall, f1, share)


def abstention_scores(scores: Sequence[QuestionScore], threshold: float) -> AbstentionScores:
    """`abstention_metrics` when the guard abstains on a question whose probability is under `threshold`."""
    return abstention_metrics([s.score < threshold for s in scores], [s.answerable for s in scores])


def choose_threshold(scores: Sequence[QuestionScore], *, max_refused: float = 0.05) -> tuple[float, str]:
    """The highest threshold that refuses at most `max_refused` of the answerable questions, and a note.

    Refusing means a probability strictly under the threshold, so the
    threshold is the probability of the first answerable question that must
    be let through. The cosine floor's refusals count against the budget.

    Raises:
        ValueError: no answerable question, or `max_refused` outside [0, 1).
    """
    if not 0.0 <= max_refused < 1.0:
        raise ValueError(f"max_refused must be in [0, 1), got {max_refused!r}")
    answerable = sorted(s.score for s in scores if s.answerable)
    if not answerable:
        raise ValueError("choosing min_answerable needs at least one answerable question")
    allowed = math.floor(max_refused * len(answerable) + 1e-9)
    pivot = answerable[allowed]
    note = ""
    if pivot <= 0.0:
        floored = sum(s == FLOORED for s in answerable)
        named = sum(s == NAMED for s in answerable)
        note = (
            f"the cosine floor alone refuses {floored} of {len(answerable)} answerable questions, more than "
            f"max_refused allows: lower min_score first"
        )
        if named:
            note = (
                f"the cosine floor and unknown names alone refuse {floored} and {named} of {len(answerable)} "
                f"answerable questions, more than max_refused allows: lower min_score or "
                f"unknown_name_min_answerable first"
            )
        pivot = 0.0
    # Thresholds live in (0, 1): a 0.001 step keeps the chosen question on the answered side.
    return min(0.999, max(0.001, math.floor(pivot * 1000) / 1000)), note


def _held_out(record_id: str, share: float) -> bool:
    digest = hashlib.sha256(f"ragfort-relevance-holdout:{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def calibrate_relevance(
    records: Sequence[GoldenRecord],
    index: Any,
    *,
    guard: RelevanceGuard | None = None,
    max_refused: float = 0.05,
    holdout: float = 0.0,
    redact: Callable[[str], str] | None = None,
) -> RelevanceCalibration:
    """Score the questions and choose ``min_answerable`` on all but a held-out share (by record id, stable);
    `redact` as `score_questions` takes it.

    Raises:
        ValueError: `holdout` outside [0, 1), or no answerable question to choose on.
        ConfigError: the guard has no judge or question model.
    """
    if not 0.0 <= holdout < 1.0:
        raise ValueError(f"holdout must be in [0, 1), got {holdout!r}")
    judging = _judging_guard(guard)
    assert judging.questions is not None  # checked by _judging_guard
    scores = score_questions(records, index, guard=judging, redact=redact)
    fitted = tuple(s for s in scores if not _held_out(s.id, holdout))
    held = tuple(s for s in scores if _held_out(s.id, holdout))
    threshold, note = choose_threshold(fitted, max_refused=max_refused)
    shipped = judging.settings.min_answerable or judging.questions.threshold_for(True)
    return RelevanceCalibration(threshold, shipped, max_refused, fitted, held, note)


def report(
    calibration: RelevanceCalibration | None,
    scores: Sequence[QuestionScore],
    threshold: float,
    *,
    names_bar: float | None = None,
) -> str:
    """A plain-text table: abstention at the shipped threshold (and the chosen one, with its policy lines);
    `names_bar`, the guard's ``unknown_name_min_answerable`` the scores were read with, joins the policy lines."""
    headers: list[object] = ["set", "threshold", "questions", "unanswerable", "abst. precision", "abst. recall",
                             "abst. F1", "answerable refused"]  # fmt: skip
    rows: list[list[object]] = []
    if calibration is None:
        rows.append(["all", f"{threshold:.3f} (shipped)", *abstention_scores(scores, threshold).row()])
    else:
        for name, group in (("chosen on", calibration.fitted), ("held out", calibration.held_out)):
            if not group:
                continue
            for label, t in (("shipped", calibration.shipped), ("chosen", calibration.threshold)):
                rows.append([name, f"{t:.3f} ({label})", *abstention_scores(group, t).row()])
    table: list[list[object]] = [headers, *rows]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(headers))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
    if calibration is not None:
        if calibration.note:
            lines.append(f"note: {calibration.note}")
        lines += [
            "",
            f"min_answerable {calibration.threshold:.3f}: the highest threshold refusing at most "
            f"{calibration.max_refused:.0%} of the answerable questions it was chosen on. In the policy:",
            "  - guard: relevance",
            f"    min_answerable: {calibration.threshold:.3f}",
        ]
        if names_bar is not None:
            lines.append(f"    unknown_name_min_answerable: {names_bar:g}")
    if names_bar is not None:
        named = sum(s.score == NAMED for s in scores)
        lines.append(f"questions naming what the help center never uses, refused under {names_bar:g}: {named}")
    return "\n".join(lines)
