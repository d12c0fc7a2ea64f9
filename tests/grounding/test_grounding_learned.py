"""The learned tier of grounding: the shipped support cross-encoder read beside the feature model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ragfort.errors import ConfigError
from ragfort.grounding.scorer import GroundingScorer
from ragfort.guards.grounding import GroundingGuard
from ragfort.judges import load_judge
from ragfort.judges.runtime import MODEL_FILE, MODELS_DIR
from ragfort.judges.support import support_pair
from ragfort.types import Passage

PASSAGES = [
    Passage(text="## Return window\n\nYou can return a device within 14 calendar days of the delivery date. "
                 "The window is the same for every device model.", doc_id="returns/devices.md"),
    Passage(text="## Accessories\n\nAccessories bought on their own can be returned within 30 calendar days.",
            doc_id="returns/accessories.md"),
]  # fmt: skip
QUESTION = "How long do I have to send back my phone?"
PARAPHRASE = "You have two weeks from delivery to send a phone back."


def test_a_claim_not_quoted_is_read_by_the_judge_with_its_closest_passage() -> None:
    judge = load_judge("support")
    report = GroundingScorer(learned=judge, learned_weight=1.0).score(PARAPHRASE, PASSAGES, question=QUESTION)
    (claim,) = report.claims
    assert claim.tier == "learned"
    # Weight 1: the claim's probability is exactly the judge's on the passage holding its closest sentence.
    expected = float(judge.score([support_pair(PASSAGES[0].text, PARAPHRASE, QUESTION)])[0])
    assert claim.probability == pytest.approx(expected, abs=1e-6)
    assert claim.signals[0].startswith(f"learned judge {expected:.2f} reading passage 1")


def test_the_passage_read_is_chosen_by_shared_words_as_well_as_cosine() -> None:
    # MiniLM puts the price sentence first for this claim (cosine 0.375 against the hotel sentence's 0.356);
    # the hotel sentence holds five of its content words, the price sentence none.
    passages = [
        Passage(text="A renters policy covers your belongings. Renters policies start at $12 a month.",
                doc_id="renters/limits.md"),
        Passage(text="If a fire or burst pipe makes your home unlivable, we pay for a hotel and extra meal costs "
                     "up to 20% of your personal property limit.", doc_id="renters/loss-of-use.md"),
    ]  # fmt: skip
    claim = "Up to $6,000 for the hotel and extra meal costs."
    read: list[tuple[str, str]] = []

    class Recording:
        def score(self, pairs: list[tuple[str, str]]) -> list[float]:
            read.extend(pairs)
            return [0.5] * len(pairs)

    scorer = GroundingScorer(learned=Recording(), learned_weight=1.0)
    report = scorer.score(claim, passages, question="My pipe burst. How much will you cover for a hotel?")
    assert read == [(passages[1].text, claim)]
    assert report.claims[0].signals[0].startswith("learned judge 0.50 reading passage 2")


def test_the_judge_reads_typographic_apostrophes_as_the_plain_ones_it_was_trained_on() -> None:
    read: list[tuple[str, str]] = []

    class Recording:
        def score(self, pairs: list[tuple[str, str]]) -> list[float]:
            read.extend(pairs)
            return [0.5] * len(pairs)

    passages = [Passage(text="You can’t send a phone back after 14 days, as it’s then “used”.", doc_id="returns.md")]
    report = GroundingScorer(learned=Recording(), learned_weight=1.0).score(
        "No, it’s too late: you can’t return it now.", passages, question="Can I return my phone? It’s been 3 weeks."
    )
    assert read and not any(ch in text for pair in read for text in pair for ch in "’“”")
    assert "can't send a phone back" in read[0][0] and "It's been 3 weeks" in read[0][1]
    assert report.claims[0].span.text == "No, it’s too late: you can’t return it now."


def test_the_blend_weighs_the_judge_against_the_feature_model() -> None:
    judge = load_judge("support")
    # The feature model's own probability: the lexical tier would only give a bound on its side of the threshold.
    alone = GroundingScorer(lexical_shortcut=False).score(PARAPHRASE, PASSAGES, question=QUESTION).claims[0].probability
    learned = GroundingScorer(learned=judge, learned_weight=1.0).score(PARAPHRASE, PASSAGES, question=QUESTION)
    half = GroundingScorer(learned=judge, learned_weight=0.5).score(PARAPHRASE, PASSAGES, question=QUESTION)
    assert alone is not None and learned.claims[0].probability is not None
    assert half.claims[0].probability == pytest.approx(0.5 * alone + 0.5 * learned.claims[0].probability, abs=1e-6)


def test_the_blend_takes_the_feature_probability_not_the_lexical_bound() -> None:
    lexical = GroundingScorer().score(PARAPHRASE, PASSAGES, question=QUESTION).claims[0]
    exact = GroundingScorer(lexical_shortcut=False).score(PARAPHRASE, PASSAGES, question=QUESTION).claims[0]
    assert lexical.tier == "lexical" and lexical.probability != pytest.approx(exact.probability, abs=1e-3)
    # Weight 0: the judge is read but counts for nothing, so what is left is the feature model's probability.
    blended = GroundingScorer(learned=load_judge("support"), learned_weight=0.0).score(
        PARAPHRASE, PASSAGES, question=QUESTION
    )
    assert blended.claims[0].tier == "learned"
    assert blended.claims[0].probability == pytest.approx(exact.probability, abs=1e-6)


def test_a_verbatim_claim_never_reaches_the_judge() -> None:
    class Refuses:
        def score(self, pairs: object) -> list[float]:
            raise AssertionError("the judge was asked about a verbatim claim")

    quote = "You can return a device within 14 calendar days of the delivery date."
    report = GroundingScorer(learned=Refuses()).score(quote, PASSAGES, question=QUESTION)
    assert [c.tier for c in report.claims] == ["verbatim"]


def test_the_guard_loads_the_shipped_judge_and_explains_with_it() -> None:
    from ragfort.context import RunContext
    from ragfort.types import Turn

    guard = GroundingGuard(learned_judge=True, action="annotate")
    verdict = guard.check(Turn(question=QUESTION, answer=PARAPHRASE, documents=tuple(PASSAGES)), RunContext())
    assert verdict.turn is not None
    assert any("learned judge" in s for c in verdict.turn.claims for s in c.signals)


def test_the_guard_takes_a_ready_made_judge() -> None:
    from ragfort.context import RunContext
    from ragfort.types import Turn

    class Certain:
        def score(self, pairs: list[tuple[str, str]]) -> list[float]:
            return [0.9] * len(pairs)

    guard = GroundingGuard(learned=Certain(), learned_weight=1.0, action="annotate")
    verdict = guard.check(Turn(question=QUESTION, answer=PARAPHRASE, documents=tuple(PASSAGES)), RunContext())
    assert verdict.turn is not None
    assert [c.score for c in verdict.turn.claims] == [pytest.approx(0.9)]


def test_a_damaged_model_is_a_configuration_error_naming_the_file(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(MODELS_DIR / "support", tmp_path / "support"))
    with (folder / MODEL_FILE).open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02\x03")
    with pytest.raises(ConfigError, match=MODEL_FILE):
        GroundingGuard(learned_judge=True, learned_model_path=str(folder))


def test_learned_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="learned_weight"):
        GroundingGuard(learned_judge=True, learned_weight=1.5)
    with pytest.raises(ConfigError, match="learned_passages"):
        GroundingScorer(learned=load_judge("support"), learned_passages=0)


class _Convinced:
    """A judge that finds every claim supported."""

    def score(self, pairs: list[tuple[str, str]]) -> list[float]:
        return [0.99] * len(pairs)


def test_a_contradicted_number_or_name_stays_unsupported_whatever_the_judge_says() -> None:
    passages = [Passage(text="## Returns\n\nYou can return a Voltwise Pro within 14 days of delivery.", doc_id="r.md")]
    for wrong in ("You can return a Voltwise Pro within 21 days of delivery.",
                  "You can return a Voltwise Max within 14 days of delivery."):  # fmt: skip
        vetoed = GroundingScorer(learned=_Convinced(), learned_weight=0.7, threshold=0.19).score(wrong, passages)
        (claim,) = vetoed.claims
        assert claim.contradicted and claim.supported is False and claim.probability == pytest.approx(0.14)
        assert "capped: the evidence contradicts its" in claim.signals[-1]
        # The veto's reason leads the explanation, not the judge's reading.
        assert not claim.signals[0].startswith("learned judge")
        blended = GroundingScorer(learned=_Convinced(), learned_weight=0.7, threshold=0.19, learned_vetoes=())
        assert blended.score(wrong, passages).claims[0].supported is True


def test_learned_vetoes_are_validated_and_reach_the_scorer() -> None:
    with pytest.raises(ConfigError, match="learned_vetoes"):
        GroundingScorer(learned=_Convinced(), learned_vetoes=("dates",))
    with pytest.raises(ValueError, match="learned_vetoes"):
        GroundingGuard(learned=_Convinced(), learned_vetoes=["dates"])
    assert GroundingGuard(learned=_Convinced()).scorer.learned_vetoes == ("number", "name")
    guard = GroundingGuard(learned=_Convinced(), learned_vetoes=["number", "name", "polarity"])
    assert guard.scorer.learned_vetoes == ("number", "name", "polarity")


def test_binding_and_scope_vetoes_are_settings_off_by_default() -> None:
    guard = GroundingGuard(learned_judge=True)
    assert guard.scorer.learned_vetoes == ("number", "name") and not guard.scorer.exempt_computed
    guard = GroundingGuard(learned_judge=True, learned_vetoes=["number_binding", "name_binding", "scope"],
                           exempt_computed=True)  # fmt: skip
    assert guard.scorer.learned_vetoes == ("number_binding", "name_binding", "scope") and guard.scorer.exempt_computed
    with pytest.raises(ValueError, match="learned_vetoes"):
        GroundingGuard(learned_judge=True, learned_vetoes=["binding"])


def test_a_binding_veto_leads_the_explanation_with_the_rival_value() -> None:
    passages = [Passage(text="## Repairs\n\nA screen repair on the Voltwise One costs $149. A screen repair on the "
                             "Voltwise Tab costs $179.", doc_id="repairs.md")]  # fmt: skip
    wrong = "A screen repair on the Voltwise Tab costs $149."
    judge = load_judge("support")
    scorer = GroundingScorer(learned=judge, learned_weight=0.7, threshold=0.19,
                             learned_vetoes=("number", "name", "number_binding"))  # fmt: skip
    (claim,) = scorer.score(wrong, passages, question="How much is a Tab screen repair?").claims
    assert claim.supported is False and claim.probability is not None and claim.probability < 0.19
    assert claim.signals[0].startswith("number '$149' is bound to something else in the evidence, which gives '$179'")
    assert "capped: the evidence contradicts its number (bound to another subject)" in claim.signals[-1]
    # The judge alone reads the wrong price as supported; a paraphrase with the right one is kept.
    plain = GroundingScorer(learned=judge, learned_weight=0.7, threshold=0.19, learned_vetoes=("number", "name"))
    assert plain.score(wrong, passages, question="How much is a Tab screen repair?").claims[0].supported is True
    right = scorer.score("The Tab's screen repair is $179.", passages, question="How much is a Tab screen repair?")
    assert right.claims[0].tier == "learned" and right.claims[0].supported is True


def test_a_contact_the_evidence_does_not_hold_is_vetoed_whatever_the_judge_and_the_veto_list() -> None:
    from ragfort.context import RunContext
    from ragfort.types import Turn

    class Certain:
        def score(self, pairs: list[tuple[str, str]]) -> list[float]:
            return [0.99] * len(pairs)

    passages = (Passage(text="Send proof of purchase to claims@tessera.example within 30 days.", doc_id="claims.md"),)
    guard = GroundingGuard(learned=Certain(), learned_weight=1.0, learned_vetoes=(), action="annotate")
    for answer, supported in (
        ("Send proof of purchase to claims@tessera.example within 30 days.", True),
        ("Send your proof of purchase to refunds@tessera.example within 30 days.", False),
    ):
        turn = Turn(question="Where do I send my receipt?", answer=answer, documents=passages)
        verdict = guard.check(turn, RunContext())
        assert verdict.turn is not None
        assert [c.supported for c in verdict.turn.claims] == [supported], answer


def test_an_opening_yes_the_closest_evidence_denies_is_vetoed_when_listed() -> None:
    passages = [Passage(text="## Guests\n\nMembers can bring one guest a month. Guest passes are not valid on "
                             "weekends.", doc_id="guests.md")]  # fmt: skip
    question = "Can I use a guest pass on a Saturday or at the weekend?"
    wrong = "Yes, guest passes work at the weekend as well."
    listed = GroundingScorer(learned=_Convinced(), learned_weight=0.7, threshold=0.19,
                             learned_vetoes=("number", "name", "answer_polarity"))  # fmt: skip
    (claim,) = listed.score(wrong, passages, question=question).claims
    assert claim.supported is False and claim.probability == pytest.approx(0.14)
    assert claim.signals[0].startswith("the answer says yes, but the evidence closest to the question negates")
    # Off unless listed, and only the answer's first claim opens with the answer to the question.
    unlisted = GroundingScorer(learned=_Convinced(), learned_weight=0.7, threshold=0.19)
    assert unlisted.score(wrong, passages, question=question).claims[0].supported is True
    later = listed.score(f"Members can bring one guest a month. {wrong}", passages, question=question)
    assert [c.supported for c in later.claims] == [True, True]
    right = listed.score("No, guest passes aren't valid at weekends.", passages, question=question)
    assert right.claims[0].supported is True
    guard = GroundingGuard(learned=_Convinced(), learned_vetoes=["answer_polarity"])
    assert guard.scorer.learned_vetoes == ("answer_polarity",)


def test_a_yes_that_states_what_the_evidence_denies_is_vetoed_when_listed() -> None:
    passages = [Passage(text="## Audit log\n\nThe audit log records sign-ins and exports. Task edits and comments "
                             "aren't in the audit log.", doc_id="audit.md")]  # fmt: skip
    question = "can i see who edited a task in the audit log"  # typed without a "?": answer_polarity reads nothing
    wrong = "Yes, task edits show up in the audit log with the editor's name."
    listed = GroundingScorer(learned=_Convinced(), learned_weight=0.7, threshold=0.19,
                             learned_vetoes=("number", "name", "flipped"))  # fmt: skip
    (claim,) = listed.score(wrong, passages, question=question).claims
    assert claim.supported is False
    assert claim.signals[0].startswith("the answer says yes, but the evidence says 'Task edits and comments")
    unlisted = GroundingScorer(learned=_Convinced(), learned_weight=0.7, threshold=0.19,
                               learned_vetoes=("number", "name", "answer_polarity"))  # fmt: skip
    assert unlisted.score(wrong, passages, question=question).claims[0].supported is True
    right = listed.score("Yes, the audit log records sign-ins and exports.", passages, question=question)
    assert right.claims[0].supported is True


def test_a_number_the_customer_gave_is_not_vetoed_as_the_evidences() -> None:
    passages = [Passage(text="## New car replacement\n\nIf your car is totaled in its first 2 years or first 24,000 "
                             "miles, we pay for a new car.", doc_id="total.md")]  # fmt: skip
    question = "My car is 18 months old with 30,000 miles on it. Do I get a new one?"
    answer = "No, at 30,000 miles your car is past the 24,000 miles limit."
    exempt = GroundingScorer(learned=_Convinced(), learned_weight=0.7, threshold=0.19, exempt_computed=True)
    assert exempt.score(answer, passages, question=question).claims[0].supported is True
    # Without the question's number, or with exempt_computed off, it is a contradicted amount.
    strict = GroundingScorer(learned=_Convinced(), learned_weight=0.7, threshold=0.19)
    assert strict.score(answer, passages, question=question).claims[0].supported is False
    assert exempt.score(answer, passages, question="Do I get a new car?").claims[0].supported is False


def test_the_judge_reads_a_window_holding_an_evidence_sentence_past_its_cut() -> None:
    # The passage is longer than the shipped judge reads (160 tokens); the sentence the claim stands on is its last.
    rules = "".join(f"Vouchers from scheme {i} are accepted at our city practices. " for i in range(12))
    passage = Passage(text=f"## State dental vouchers\n\n{rules}We can't accept an expired voucher, even if the "
                           "treatment was booked before it expired.", doc_id="fees/vouchers.md")  # fmt: skip
    claim = "Yes, because the treatment was booked before the expiry date we can still accept it."
    question = "my voucher expired last week but the appointment was booked before that. can i still use it"
    judge = load_judge("support")
    assert judge.kept_chars([support_pair(passage.text, claim, question)])[0] < len(passage.text)
    read: list[tuple[str, str]] = []

    class Recording:
        def kept_chars(self, pairs: list[tuple[str, str]]) -> list[int]:
            return judge.kept_chars(pairs)

        def score(self, pairs: list[tuple[str, str]]) -> list[float]:
            read.extend(pairs)
            return [0.5] * len(pairs)

    GroundingScorer(learned=Recording(), learned_weight=1.0).score(claim, [passage], question=question)
    ((premise, _),) = read
    assert premise.startswith("## State dental vouchers\n\n")
    assert premise.endswith("booked before it expired.")
    assert premise != passage.text
    # The judge reads the whole window: nothing of it is cut.
    assert judge.kept_chars([support_pair(premise, claim, question)]) == [len(premise)]


def test_a_judge_that_does_not_say_what_it_reads_gets_the_whole_passage() -> None:
    rules = "".join(f"Vouchers from scheme {i} are accepted at our city practices. " for i in range(12))
    passage = Passage(text=f"## Vouchers\n\n{rules}We can't accept an expired voucher.", doc_id="fees/vouchers.md")
    read: list[tuple[str, str]] = []

    class Recording:
        def score(self, pairs: list[tuple[str, str]]) -> list[float]:
            read.extend(pairs)
            return [0.5] * len(pairs)

    GroundingScorer(learned=Recording(), learned_weight=1.0).score("You can use an expired voucher.", [passage])
    assert read == [(passage.text, "You can use an expired voucher.")]
