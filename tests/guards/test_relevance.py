"""The relevance guard: abstain before generation when nothing retrieved is on the topic or answers the question.

The cosine tests turn the answerability judge off (``answerability=False``);
the judge's own tests load the shipped model (real ONNX Runtime), with the
question model off (``question_model=False``) where they test the per-passage
rule, and on (the default) where they test the per-question decision.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from ragfort.context import RunContext
from ragfort.errors import ConfigError
from ragfort.guards.relevance import (
    DEFAULT_MIN_ANSWERABILITY,
    DEFAULT_MIN_SCORE,
    RelevanceGuard,
    bare_follow_up_reading,
)
from ragfort.judges.answerable import load_question_model, question_features
from ragfort.judges.runtime import MODELS_DIR
from ragfort.types import ANSWERABILITY_KEY, ANSWERS_KEY, Action, HistoryMessage, Passage, Stage, Turn, Verdict


def _turn(*scores: float | None) -> Turn:
    return Turn(question="How long do refunds take?", documents=tuple(Passage(text="t", doc_id=f"d{i}", score=s)
                                                                        for i, s in enumerate(scores)))  # fmt: skip


def test_a_relevant_passage_lets_the_turn_through() -> None:
    v = RelevanceGuard(min_score=0.4, answerability=False).check(_turn(0.2, 0.55), RunContext())
    assert v.action is Action.ALLOW
    assert v.score == pytest.approx(0.55)


def test_no_relevant_passage_abstains_with_the_message_as_answer() -> None:
    guard = RelevanceGuard(min_score=0.4, abstain_message="No idea.", answerability=False)
    v = guard.check(_turn(0.2, 0.39), RunContext())
    assert v.action is Action.ABSTAIN
    assert v.turn is not None and v.turn.answer == "No idea."
    assert "0.390 < min_score 0.400" in v.reason


def test_no_passages_abstains_and_unscored_passages_are_not_judged() -> None:
    assert RelevanceGuard().check(_turn(), RunContext()).action is Action.ABSTAIN
    assert RelevanceGuard(abstain_without_passages=False).check(_turn(), RunContext()).action is Action.ALLOW
    v = RelevanceGuard(answerability=False).check(_turn(None, None), RunContext())
    assert v.action is Action.ALLOW and "no retrieval score" in v.reason


def test_default_and_bad_settings() -> None:
    # The floor is the one the question model was fitted behind, or the cosine default without it.
    assert RelevanceGuard().min_score == load_question_model().min_score < DEFAULT_MIN_SCORE
    assert RelevanceGuard(question_model=False).min_score == DEFAULT_MIN_SCORE
    assert RelevanceGuard(answerability=False).min_score == DEFAULT_MIN_SCORE
    assert RelevanceGuard(min_score=0.5).min_score == 0.5
    assert RelevanceGuard(answerability=False).questions is None
    assert RelevanceGuard().settings.min_answerability == DEFAULT_MIN_ANSWERABILITY
    assert RelevanceGuard().judge is not None and RelevanceGuard(answerability=False).judge is None
    with pytest.raises(ValueError, match="answerability_passages"):
        RelevanceGuard(answerability_passages=0)
    with pytest.raises(ValueError, match="min_score"):
        RelevanceGuard(min_score=1.2)
    with pytest.raises(ValueError, match="min_answerable"):
        RelevanceGuard(min_answerable=1.0)
    with pytest.raises(ConfigError, match="output"):
        RelevanceGuard(stage=Stage.OUTPUT)


STORES = (
    "## Opening hours\n\nVoltwise stores are open Monday to Saturday, 9 a.m. to 8 p.m., and Sunday 11 a.m. to 5 p.m."
)
RETURNS = "## Return window\n\nYou can return a Voltwise phone within 14 days of delivery for a full refund."


def _docs(*texts: str, score: float | None = 0.6) -> tuple[Passage, ...]:
    return tuple(Passage(text=t, doc_id=f"d{i}.md", score=score) for i, t in enumerate(texts))


def test_the_judge_marks_the_passages_it_read_and_lets_an_answered_turn_through() -> None:
    turn = Turn(question="When do Voltwise stores open on Sunday?", documents=_docs(STORES, RETURNS, RETURNS))
    guard = RelevanceGuard(min_answerability=0.0, answerability_passages=2, question_model=False,
                           stop_when_answered=False)  # fmt: skip
    v = guard.check(turn, RunContext())
    assert v.action is Action.REWRITE and v.turn is not None
    read, unread = v.turn.documents[:2], v.turn.documents[2]
    assert all(0.0 <= p.metadata[ANSWERABILITY_KEY] <= 1.0 and p.metadata[ANSWERS_KEY] is True for p in read)
    assert ANSWERABILITY_KEY not in unread.metadata
    assert v.score == pytest.approx(max(p.metadata[ANSWERABILITY_KEY] for p in read), abs=1e-4)
    assert "2 of 2 passages read answer" in v.reason
    assert [p.text for p in v.turn.documents] == [p.text for p in turn.documents]


def test_the_judge_reads_typographic_apostrophes_as_plain_ones() -> None:
    curly = "## Store hours\n\nVoltwise’s stores don’t open on Sundays; they’re open Monday to Saturday, 9 to 8."
    guard = RelevanceGuard(min_answerability=0.0, answerability_passages=1, question_model=False,
                           stop_when_answered=False)  # fmt: skip
    reads = []
    asked = "Aren’t the stores open on Sunday?"
    for text, question in ((curly, asked), (curly.replace("’", "'"), asked.replace("’", "'"))):
        v = guard.check(Turn(question=question, documents=_docs(text)), RunContext())
        assert v.turn is not None
        reads.append(v.turn.documents[0].metadata[ANSWERABILITY_KEY])
        assert v.turn.documents[0].text == text  # the passage as written goes on to the generator
    assert reads[0] == pytest.approx(reads[1], abs=1e-6)


def test_no_passage_that_answers_abstains_before_generation() -> None:
    turn = Turn(question="When do Voltwise stores open on Sunday?", documents=_docs(STORES))
    guard = RelevanceGuard(min_answerability=1.0, abstain_message="No idea.", question_model=False)
    v = guard.check(turn, RunContext())
    assert v.action is Action.ABSTAIN and v.turn is not None and v.turn.answer == "No idea."
    assert "no passage answers the question" in v.reason
    assert v.turn.documents[0].metadata[ANSWERS_KEY] is False


def test_the_cosine_floor_comes_first_and_unscored_passages_are_judged() -> None:
    turn = Turn(question="When do Voltwise stores open on Sunday?", documents=_docs(STORES, score=0.2))
    v = RelevanceGuard(min_score=0.4, min_answerability=0.0).check(turn, RunContext())
    assert v.action is Action.ABSTAIN and "min_score" in v.reason
    unscored = Turn(question=turn.question, documents=_docs(STORES, score=None))
    v = RelevanceGuard(min_answerability=0.0, question_model=False).check(unscored, RunContext())
    assert v.action is Action.REWRITE and "answer" in v.reason


GIFTS = "Do you sell gift cards for restaurants?"
SUNDAY = "When do Voltwise stores open on Sunday?"


def test_the_question_model_decides_over_every_passage_read() -> None:
    guard = RelevanceGuard()
    # Retrieval scores as MiniLM gives them: close for the store question, barely over the floor for the other.
    near = (Passage(text=STORES, doc_id="stores.md", score=0.7), Passage(text=RETURNS, doc_id="returns.md", score=0.4))
    far = tuple(dataclasses.replace(p, score=0.35) for p in near)
    answered = guard.check(Turn(question=SUNDAY, documents=near), RunContext())
    assert answered.action is Action.REWRITE and "question answerable" in answered.reason
    unanswered = guard.check(Turn(question=GIFTS, documents=far), RunContext())
    assert unanswered.action is Action.ABSTAIN and "no passage answers the question" in unanswered.reason
    assert unanswered.turn is not None and unanswered.turn.answer == guard.settings.abstain_message
    # The verdict's score is the question model's probability over the judge's reads.
    assert answered.turn is not None
    probs = [p.metadata[ANSWERABILITY_KEY] for p in answered.turn.documents[:2]]
    assert answered.score == pytest.approx(load_question_model().probability(probs, [0.7, 0.4]), abs=1e-3)
    assert guard.questions is not None and answered.score >= guard.questions.threshold > (unanswered.score or 0.0)


def test_min_answerable_overrides_the_fitted_threshold_and_unscored_passages_use_their_variant() -> None:
    turn = Turn(question=SUNDAY, documents=_docs(STORES, score=None))
    v = RelevanceGuard().check(turn, RunContext())
    assert v.action is Action.REWRITE and v.turn is not None
    prob = v.turn.documents[0].metadata[ANSWERABILITY_KEY]
    assert v.score == pytest.approx(load_question_model().unscored.probability(question_features([prob])), abs=1e-3)
    strict = RelevanceGuard(min_answerable=min(0.999, (v.score or 0.0) + 0.001)).check(turn, RunContext())
    assert strict.action is Action.ABSTAIN and "min_answerable" in strict.reason


def test_a_malformed_question_model_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "answerable.json"
    bad.write_text('{"threshold": 0.2}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"answerable\.json"):
        RelevanceGuard(question_model_path=str(bad))
    # Without the judge there is nothing for the question model to read: it is not loaded.
    assert RelevanceGuard(answerability=False, question_model_path=str(bad)).questions is None


def test_a_question_model_fitted_on_another_judge_is_refused_at_start(tmp_path: Path) -> None:
    import json

    from ragfort.judges.answerable import PARAMS_PATH

    other = tmp_path / "answerable.json"
    data = json.loads(PARAMS_PATH.read_text(encoding="utf-8"))
    other.write_text(json.dumps({**data, "judge_sha256": "f" * 64}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"answerable\.json.*fitted on"):
        RelevanceGuard(question_model_path=str(other))
    # A file from before the hash was recorded, or the question model off, loads as before.
    del data["judge_sha256"]
    older = tmp_path / "older.json"  # another path: question models are cached per path
    older.write_text(json.dumps(data), encoding="utf-8")
    assert RelevanceGuard(question_model_path=str(older)).questions is not None
    assert RelevanceGuard(question_model=False).questions is None


def test_a_damaged_or_missing_judge_model_is_a_config_error(tmp_path: Path) -> None:
    folder = tmp_path / "answerability"
    shutil.copytree(MODELS_DIR / "answerability", folder)
    model = folder / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=r"model\.onnx"):
        RelevanceGuard(answerability_model_path=str(folder))
    with pytest.raises(ConfigError):
        RelevanceGuard(answerability_model_path=str(tmp_path / "nowhere"))


# Five passages: the store article first, then four on other topics, as a top-5 retrieval gives them.
FIVE = (STORES, RETURNS, "## SIM swap\n\nA replacement SIM costs nothing in a Voltwise store.",
        "## Roaming\n\nRoaming in the EU is included in every monthly plan.",
        "## Care+\n\nCare+ must be added within 30 days of buying the device.")  # fmt: skip


def _read_count(v: Verdict) -> int:
    turn = v.turn
    assert turn is not None
    return sum(ANSWERABILITY_KEY in p.metadata for p in turn.documents)


def test_reading_stops_once_the_reads_settle_the_question_as_answerable() -> None:
    early, every = RelevanceGuard(), RelevanceGuard(stop_when_answered=False)
    assert early.judge is not None
    turn = Turn(question=SUNDAY, documents=_docs(*FIVE, score=0.7))
    v, full = early.check(turn, RunContext()), every.check(turn, RunContext())
    assert v.action is full.action is Action.REWRITE
    # One round: as many passages as the judge reads side by side (one per core), the store article first.
    lanes = min(early.judge.lanes, len(FIVE))
    assert _read_count(v) == lanes and _read_count(full) == len(FIVE)
    assert v.turn is not None and full.turn is not None
    assert [p.metadata for p in v.turn.documents[:lanes]] == [p.metadata for p in full.turn.documents[:lanes]]
    if lanes < len(FIVE):
        assert f"settled after {lanes} reads, {len(FIVE) - lanes} passages left unread" in v.reason
        assert all(ANSWERABILITY_KEY not in p.metadata for p in v.turn.documents[lanes:])
    # Unread passages count at the lowest read: the score is a lower bound of the full one.
    assert (v.score or 0.0) <= (full.score or 0.0) + 1e-9


def test_a_question_that_no_passage_answers_reads_every_passage_and_decides_as_before() -> None:
    early, every = RelevanceGuard(), RelevanceGuard(stop_when_answered=False)
    for question, score in ((GIFTS, 0.35), (GIFTS, 0.6), (SUNDAY, 0.35), (SUNDAY, 0.7), ("Can I bring my dog?", 0.5)):
        for order in (FIVE, FIVE[::-1]):
            turn = Turn(question=question, documents=_docs(*order, score=score))
            v, full = early.check(turn, RunContext()), every.check(turn, RunContext())
            assert v.action is full.action, (question, score)
            if v.action is Action.ABSTAIN:
                assert _read_count(v) == len(FIVE) and v.score == pytest.approx(full.score)
    abstained = early.check(Turn(question=GIFTS, documents=_docs(*FIVE, score=0.35)), RunContext())
    assert abstained.action is Action.ABSTAIN and "left unread" not in abstained.reason


def test_a_question_model_whose_best_read_weighs_against_never_stops_early(tmp_path: Path) -> None:
    import json

    from ragfort.judges.answerable import PARAMS_PATH

    data = json.loads(PARAMS_PATH.read_text(encoding="utf-8"))
    for variant in ("scored", "unscored"):
        weights = data[variant]["weights"]
        weights[data[variant]["features"].index("best")] = -abs(weights[0]) - 0.1
    odd = tmp_path / "answerable.json"
    odd.write_text(json.dumps(data), encoding="utf-8")
    guard = RelevanceGuard(question_model_path=str(odd), min_answerable=0.01)
    assert guard.questions is not None and not guard.questions.monotone(scored=True)
    v = guard.check(Turn(question=SUNDAY, documents=_docs(*FIVE, score=0.7)), RunContext())
    assert v.action is Action.REWRITE and _read_count(v) == len(FIVE)


def test_without_the_question_model_one_passage_over_the_bar_settles_it() -> None:
    guard = RelevanceGuard(question_model=False, min_answerability=0.0)
    assert guard.judge is not None
    v = guard.check(Turn(question=GIFTS, documents=_docs(*FIVE)), RunContext())
    assert v.action is Action.REWRITE and _read_count(v) == min(guard.judge.lanes, len(FIVE))
    never = RelevanceGuard(question_model=False, min_answerability=1.0)
    v = never.check(Turn(question=SUNDAY, documents=_docs(*FIVE)), RunContext())
    assert v.action is Action.ABSTAIN and _read_count(v) == len(FIVE)


PORTING = ("## Moving your number to another carrier\n\nAsk your new carrier to move your number and give them the "
           "Number Transfer PIN from the app. Most moves finish within one working day. There is no fee for moving "
           "your number away from us.")  # fmt: skip
ASKED_BEFORE = (
    HistoryMessage(role="human", content="How long does it take to move my number to another carrier?"),
    HistoryMessage(role="ai", content="Most moves finish within one working day."),
)


def test_a_follow_up_with_nothing_of_its_own_is_also_read_with_the_conversation() -> None:
    guard = RelevanceGuard()
    docs = (Passage(text=PORTING, doc_id="porting.md"),)
    # Alone, "any fee for that?" names nothing the passage could answer; after the porting question it asks a
    # porting fee, which the passage gives.
    alone = guard.check(Turn(question="any fee for that?", documents=docs), RunContext())
    assert alone.action is Action.ABSTAIN
    followed = guard.check(Turn(question="any fee for that?", documents=docs, history=ASKED_BEFORE), RunContext())
    assert followed.action is Action.REWRITE and (followed.score or 0.0) > (alone.score or 0.0)


def test_only_a_bare_follow_up_is_read_with_the_conversation() -> None:
    joined = bare_follow_up_reading(Turn(question="any fee for that?", history=ASKED_BEFORE))
    assert joined == "How long does it take to move my number to another carrier? any fee for that?"
    # No history, a question that stands alone, or a follow-up with words of its own: read alone, as before
    # (joined, an unanswerable follow-up would inherit the earlier question's answerability).
    assert bare_follow_up_reading(Turn(question="any fee for that?")) is None
    assert bare_follow_up_reading(Turn(question="How do I reset my password?", history=ASKED_BEFORE)) is None
    assert bare_follow_up_reading(Turn(question="Is there a student discount on that?", history=ASKED_BEFORE)) is None
    # Only the customer's own messages are joined: the desk's answer is not the customer's question.
    assert "working day" not in (joined or "")


def _naming(*names: str) -> tuple[RunContext, list[str]]:
    """A context whose chain found `names`, and the list each read of them is logged in."""
    ctx, asked = RunContext(), []

    def read() -> tuple[str, ...]:
        asked.append("read")
        return names

    ctx.state.unknown_names = read
    return ctx, asked


def test_a_question_naming_what_the_corpus_never_uses_must_be_more_surely_answerable() -> None:
    turn = Turn(question=SUNDAY, documents=_docs(*FIVE, score=0.7))
    plain = RelevanceGuard(stop_when_answered=False).check(turn, RunContext())
    assert plain.action is Action.REWRITE and plain.score is not None
    # Asked for just more than this question's probability when it names something unknown: abstains, saying what.
    bar = min(0.999, plain.score + 0.001)
    for early in (True, False):
        guard = RelevanceGuard(unknown_name_min_answerable=bar, stop_when_answered=early)
        named = guard.check(turn, _naming("Zorbix")[0])
        assert named.action is Action.ABSTAIN and "'Zorbix', which the help center never mentions" in named.reason
        assert named.score == pytest.approx(plain.score, abs=1e-6)
        assert named.turn is not None and named.turn.answer == guard.settings.abstain_message
        # No name, or no names known (a wrapped chain, or words that could not be read): the fitted threshold alone.
        assert guard.check(turn, RunContext()).action is Action.REWRITE
        assert guard.check(turn, _naming()[0]).action is Action.REWRITE
        unread = RunContext()
        unread.state.unknown_names = lambda: None
        assert guard.check(turn, unread).action is Action.REWRITE
    # Off (the default), the names change nothing and are never read; on, they never lower the fitted threshold.
    ctx, asked = _naming("Zorbix")
    assert RelevanceGuard().settings.unknown_name_min_answerable is None
    assert RelevanceGuard().check(turn, ctx).action is Action.REWRITE and asked == []
    low = RelevanceGuard(unknown_name_min_answerable=0.01)
    unanswered = Turn(question=GIFTS, documents=_docs(*FIVE, score=0.35))
    ctx, asked = _naming("Zorbix")
    v = low.check(unanswered, ctx)
    assert v.action is Action.ABSTAIN and "never mentions" not in v.reason and asked == ["read"]
    with pytest.raises(ValueError, match="unknown_name_min_answerable"):
        RelevanceGuard(unknown_name_min_answerable=1.0)


CONTACT = "## Contact us\n\nPhone: 0345 600 7240, 08:00 to 20:00 Monday to Friday. Write to help@acme.example."
SECURITY = "## Your contact number\n\nYour contact number is used for security codes and delivery texts."


def test_a_question_that_only_asks_how_to_reach_the_business_is_answered_from_passages_that_print_a_contact() -> None:
    # Low retrieval scores and a judge that would refuse: the passage printing the number answers all the same.
    turn = Turn(question="What's your phone number?", documents=_docs(SECURITY, CONTACT, score=0.2))
    guard = RelevanceGuard(min_score=0.4, min_answerability=1.0, question_model=False)
    v = guard.check(turn, RunContext())
    assert v.action is Action.REWRITE and v.turn is not None and "asks how to reach the help center (phone)" in v.reason
    assert [p.metadata[ANSWERS_KEY] for p in v.turn.documents] == [False, True]
    # Without a passage that prints a phone number, or with the setting off, the usual steps decide.
    no_number = Turn(question="What's your phone number?", documents=_docs(SECURITY, score=0.2))
    assert guard.check(no_number, RunContext()).action is Action.ABSTAIN
    off = RelevanceGuard(min_score=0.4, min_answerability=1.0, question_model=False, contact_questions="judge")
    assert off.check(turn, RunContext()).action is Action.ABSTAIN
    # A question that asks more than how to reach the business is judged as before.
    hours = Turn(question="Is the phone line open on Sundays?", documents=_docs(SECURITY, CONTACT, score=0.2))
    assert guard.check(hours, RunContext()).action is Action.ABSTAIN
    with pytest.raises(ValueError, match="contact_questions"):
        RelevanceGuard(contact_questions="always")
