"""Choosing the relevance guard's min_answerable from labelled questions: the rule, the figures, the command.

The end-to-end tests retrieve from the bundled help center's real index and
read it with the shipped answerability judge and question model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ragfort.cli import app
from ragfort.evals.golden import load_golden
from ragfort.evals.relevance_calibrate import (
    FLOORED,
    NAMED,
    QuestionScore,
    abstention_scores,
    calibrate_relevance,
    choose_threshold,
    score_questions,
    support_agent_redaction,
)
from ragfort.guards.names import unknown_names
from ragfort.guards.relevance import RelevanceGuard
from ragfort.index.store import Index

GOLDEN = Path(__file__).resolve().parents[2] / "evals" / "help_center.jsonl"
runner = CliRunner()


def _scores(answerable: list[float], unanswerable: list[float]) -> list[QuestionScore]:
    return [QuestionScore(f"a{i}", True, s) for i, s in enumerate(answerable)] + [
        QuestionScore(f"u{i}", False, s) for i, s in enumerate(unanswerable)
    ]


def test_the_threshold_is_the_highest_that_keeps_refusals_within_the_budget() -> None:
    answerable = [0.05, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]
    scores = _scores(answerable, [0.1, 0.3, 0.45])
    # 10 answerable questions: 10% may be refused, so one (0.05) is, and 0.2 is the first let through.
    threshold, note = choose_threshold(scores, max_refused=0.1)
    assert threshold == pytest.approx(0.2) and note == ""
    assert abstention_scores(scores, threshold).refused == pytest.approx(0.1)
    # Any higher threshold refuses a second answerable question.
    assert abstention_scores(scores, threshold + 0.01).refused == pytest.approx(0.2)
    assert choose_threshold(scores, max_refused=0.0)[0] == pytest.approx(0.05)
    assert choose_threshold(scores, max_refused=0.25)[0] == pytest.approx(0.4)


def test_the_cosine_floors_refusals_count_against_the_budget() -> None:
    scores = _scores([FLOORED, FLOORED, 0.5, 0.9], [0.1])
    threshold, note = choose_threshold(scores, max_refused=0.25)
    assert threshold == pytest.approx(0.001) and "cosine floor alone refuses 2 of 4" in note
    assert choose_threshold(scores, max_refused=0.5)[0] == pytest.approx(0.5)


def test_questions_naming_what_the_corpus_never_uses_are_refused_under_their_bar(help_center_index: Path) -> None:
    record = load_golden(GOLDEN).records[0].model_copy(
        update={"question": "Can I pay for a Voltwise One with Zorbix Pay?", "answerable": False}
    )
    index = Index(help_center_index)
    (plain,) = score_questions([record], index)  # no bar for names by default
    assert 0.0 <= plain.score < 0.999
    (named,) = score_questions([record], index, guard=RelevanceGuard(unknown_name_min_answerable=0.999))
    assert named.score == NAMED
    # Refused at every threshold, and counted so when the refusals of answerable questions are budgeted.
    assert abstention_scores([named], 0.001).recall == 1.0
    threshold, note = choose_threshold(_scores([NAMED, FLOORED, 0.5, 0.9], [0.1]), max_refused=0.25)
    assert threshold == pytest.approx(0.001) and "cosine floor and unknown names alone refuse 1 and 1 of 4" in note


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="at least one answerable"):
        choose_threshold(_scores([], [0.2]))
    with pytest.raises(ValueError, match="max_refused"):
        choose_threshold(_scores([0.5], []), max_refused=1.0)


def test_abstention_figures() -> None:
    scores = _scores([0.1, 0.6, 0.9], [0.2, 0.7])
    s = abstention_scores(scores, 0.5)  # abstains on 0.1 (answerable) and 0.2 (unanswerable)
    assert (s.questions, s.unanswerable) == (5, 2)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.5) and s.f1 == pytest.approx(0.5)
    assert s.refused == pytest.approx(1 / 3)


def test_questions_are_scored_as_the_guard_reads_them(help_center_index: Path) -> None:
    records = load_golden(GOLDEN).records[:12]
    index = Index(help_center_index)
    scores = score_questions(records, index)
    assert [s.id for s in scores] == [r.id for r in records]
    guard = RelevanceGuard(stop_when_answered=False)
    from ragfort.context import RunContext
    from ragfort.types import Turn

    for record, score in zip(records, scores, strict=True):
        question = record.standalone_question or record.question
        v = guard.check(Turn(question=question, documents=tuple(index.search(question, k=5))), RunContext())
        assert score.answerable is record.answerable
        assert score.score == FLOORED or score.score == pytest.approx(v.score)  # no bar for names by default
    # The served guard stops early; calibration reads every passage all the same.
    assert score_questions(records, index, guard=RelevanceGuard()) == scores




def test_a_question_is_read_for_names_as_redacted(help_center_index: Path) -> None:
    record = load_golden(GOLDEN).records[0].model_copy(update={"question": "I'm Zorbix Quell. Can I return a phone?"})
    guard = RelevanceGuard(stop_when_answered=False, unknown_name_min_answerable=0.999)
    index = Index(help_center_index)
    (as_written,) = score_questions([record], index, guard=guard)
    assert as_written.score == NAMED
    redact = lambda q: q.replace("Zorbix Quell", "<PERSON_1>")  # noqa: E731 - what a PII guard would leave
    (redacted,) = score_questions([record], index, guard=guard, redact=redact)
    assert redacted.score >= 0.0


def test_calibration_holds_a_stable_share_out(help_center_index: Path) -> None:
    records = load_golden(GOLDEN).records
    result = calibrate_relevance(records, Index(help_center_index), holdout=0.3)
    assert len(result.fitted) + len(result.held_out) == len(records) and result.held_out
    assert {s.id for s in result.held_out}.isdisjoint({s.id for s in result.fitted})
    assert abstention_scores(result.fitted, result.threshold).refused <= result.max_refused
    assert result.shipped == pytest.approx(RelevanceGuard().questions.threshold_for(True))  # type: ignore[union-attr]
    again = calibrate_relevance(records, Index(help_center_index), holdout=0.3)
    assert [s.id for s in again.held_out] == [s.id for s in result.held_out] and again.threshold == result.threshold


def test_the_command_prints_the_policy_line(help_center_index: Path, tmp_path: Path) -> None:
    out = runner.invoke(app, ["eval-guard", "relevance", str(GOLDEN), "--index", str(help_center_index), "--calibrate",
                              "--holdout", "0.3"], catch_exceptions=False)  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "held out" in out.output and "- guard: relevance" in out.output
    line = next(x for x in out.output.splitlines() if x.strip().startswith("min_answerable:"))
    assert 0.0 < float(line.split(":")[1]) < 1.0
    plain = runner.invoke(app, ["eval-guard", "relevance", str(GOLDEN), "--index", str(help_center_index)])
    assert plain.exit_code == 0 and "(shipped)" in plain.output and "min_answerable:" not in plain.output
    # Bad input: one error line, exit 2.
    missing = runner.invoke(app, ["eval-guard", "relevance", str(GOLDEN)])
    assert missing.exit_code == 2 and "needs --index" in missing.output
    nowhere = runner.invoke(app, ["eval-guard", "relevance", str(GOLDEN), "--index", str(tmp_path / "none")])
    assert nowhere.exit_code == 2 and "no index at" in nowhere.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "question": "", "answerable": True}) + "\n", encoding="utf-8")
    empty = runner.invoke(app, ["eval-guard", "relevance", str(bad), "--index", str(help_center_index)])
    assert empty.exit_code == 2 and "no valid golden record" in empty.output
    budget = runner.invoke(app, ["eval-guard", "relevance", str(GOLDEN), "--index", str(help_center_index),
                                 "--calibrate", "--max-refused", "1.5"])  # fmt: skip
    assert budget.exit_code == 2 and "--max-refused" in budget.output
    bar = runner.invoke(app, ["eval-guard", "relevance", str(GOLDEN), "--index", str(help_center_index),
                              "--names-bar", "1.5"])  # fmt: skip
    assert bar.exit_code == 2 and "--names-bar" in bar.output


def test_names_are_read_on_the_question_as_support_agent_redacts_it() -> None:
    redact = support_agent_redaction()
    redacted = redact("I'm Maria Gonzalez, maria.g@example.com. Can I link Shopify?")
    assert "Maria" not in redacted and "maria.g@" not in redacted and "<PERSON_1>" in redacted
    assert "Shopify" in redacted and redact("How do I return a phone?") == "How do I return a phone?"


def test_the_command_scores_with_a_bar_for_names_when_asked(help_center_index: Path) -> None:
    args = ["eval-guard", "relevance", str(GOLDEN), "--index", str(help_center_index)]
    out = runner.invoke(app, [*args, "--calibrate", "--names-bar", "0.999"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "    unknown_name_min_answerable: 0.999" in out.output
    named = next(x for x in out.output.splitlines() if x.startswith("questions naming what the help center never"))
    # Read on the redacted questions: the golden set's customers who give their names are not among them.
    records = load_golden(GOLDEN).records
    index = Index(help_center_index)
    as_written = sum(bool(unknown_names(r.question, index.words(), index.word_pairs())) for r in records)
    assert 0 < int(named.rsplit(":", 1)[1]) < as_written
    plain = runner.invoke(app, [*args, "--calibrate"], catch_exceptions=False)
    assert "unknown_name_min_answerable" not in plain.output and "questions naming" not in plain.output
