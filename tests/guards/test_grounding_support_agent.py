"""The grounding guard as guards/support_agent.yaml sets it: correct support answers kept first.

Its operating point (docs/grounding.md, "The support_agent operating point") was chosen on the
dev split of evals/grounding to strip at most 5% of correct answers: the learned support judge
blended with the feature model, sentences checked whole, a low claim threshold. These examples
are written for the tests (not taken from the evaluation cases).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ragfort
from ragfort.context import RunContext
from ragfort.guards.grounding import GroundingGuard
from ragfort.types import Action, Passage, Stage, Turn, Verdict

REPO = Path(__file__).resolve().parents[2]
POINTS = (
    Passage(
        text="## Rewards\n\nPaying your plan bill by autopay earns 2 points per dollar. "
        "Bills paid any other way earn 1 point per dollar.",
        doc_id="rewards/points.md",
    ),
)
POINTS_QUESTION = "How many points do I get on my bill?"
STUDENT = (
    Passage(
        text="## Student account\n\nThe Student account is only for full-time students at a UK university. "
        "Part-time students can open an Everyday account.",
        doc_id="accounts/student.md",
    ),
)
STUDENT_QUESTION = "Can I get a Student account if I study part-time?"
PIN = (
    Passage(
        text="## Forgotten PIN\n\nYou can see your PIN in the app. For a PIN reminder by post, call us on "
        "0345 555 0199; it arrives within 5 working days.",
        doc_id="cards/pin.md",
    ),
)
PIN_QUESTION = "I forgot my PIN. Can you send it to me?"
LINES = (
    Passage(
        text="## Lost or stolen cards\n\nFreeze the card in the app, or call our card line on 0345 555 0199, "
        "day or night. We cancel the card at once.",
        doc_id="cards/lost.md",
    ),
    Passage(
        text="## Spending limits\n\nTo raise your daily limit for a big purchase, call us on 0345 555 0100 "
        "between 8am and 8pm.",
        doc_id="cards/limits.md",
    ),
)
WARRANTY = (
    Passage(
        text="## Warranty\n\nThe Voltwise Pro has a 2-year warranty. Accessories have a 1-year warranty.",
        doc_id="warranty.md",
    ),
)
PLANS = (
    Passage(
        text="## Plans\n\nThe Pro plan includes 20 GB of data each month. The Max plan includes 50 GB of data "
        "and international roaming.",
        doc_id="plans.md",
    ),
)
REPAIR_WARRANTY = (
    Passage(
        text="## Repairs\n\nWe repair phones at our service centre within 10 working days. A repair doesn't start "
        "a new warranty: the original 12-month warranty carries on from the day you bought the phone.",
        doc_id="repairs.md",
    ),
)
OMBUDSMAN = (
    Passage(
        text="## Ombudsman\n\nYou can refer your complaint to the Financial Ombudsman Service within 6 months of "
        "our final response.",
        doc_id="support/complaints.md",
    ),
)
OMBUDSMAN_QUESTION = "We sent our final response 4 months ago. Can I still go to the ombudsman?"
SHIPPING = (
    Passage(
        text="## What is refunded\n\nThe price you paid for the item is refunded. Original shipping charges are "
        "refunded only if the item was defective or we made a mistake with your order.",
        doc_id="returns/refunds.md",
    ),
)
FEE = (
    Passage(
        text="## Inspection fee\n\nEach repair booking starts with a $25 inspection fee. If you approve the quote, "
        "the $25 is taken off the repair cost. If you reject the quote, the fee is kept and the phone is sent back "
        "unrepaired.",
        doc_id="repairs/inspection.md",
    ),
)


@pytest.fixture(scope="module")
def shipped() -> GroundingGuard:
    policy = ragfort.load_policy(REPO / "guards" / "support_agent.yaml")
    (guard,) = [g for g in policy.guards[Stage.OUTPUT] if g.name == "grounding"]
    assert isinstance(guard, GroundingGuard)
    return guard


def _check(guard: GroundingGuard, question: str, passages: tuple[Passage, ...], answer: str) -> Verdict:
    return guard.check(Turn(question=question, documents=passages, answer=answer), RunContext())


def _kept_whole(verdict: Verdict) -> bool:
    return (
        verdict.action is Action.REWRITE and verdict.turn is not None and all(c.supported for c in verdict.turn.claims)
    )


def test_support_agent_reads_claims_with_the_learned_judge_and_whole_sentences(shipped: GroundingGuard) -> None:
    s = shipped.settings
    assert s.action == "strip" and s.learned_judge and not s.split_clauses
    assert shipped.scorer.learned_vetoes == (
        "number", "name", "number_binding", "name_binding", "scope", "prohibited", "denied", "channel",
        "manner",
    )  # fmt: skip
    assert shipped.scorer.exempt_computed
    assert shipped.scorer.learned is not None
    assert s.threshold is not None and s.threshold < shipped.scorer.model.threshold


def test_a_correct_answer_with_a_contrasting_negation_is_kept(shipped: GroundingGuard) -> None:
    answer = "With autopay you get 2 points per dollar; without autopay it's 1 point per dollar."
    assert _kept_whole(_check(shipped, POINTS_QUESTION, POINTS, answer))
    # The feature model alone reads "without autopay" as contradicting the passage and abstains.
    before = _check(GroundingGuard(action="strip"), POINTS_QUESTION, POINTS, answer)
    assert before.action is Action.ABSTAIN


def test_a_correct_paraphrase_drawing_the_consequence_is_kept(shipped: GroundingGuard) -> None:
    answer = "It's only for full-time students, so you'd need an Everyday account instead."
    assert _kept_whole(_check(shipped, STUDENT_QUESTION, STUDENT, answer))


def test_a_contradicted_amount_is_still_caught(shipped: GroundingGuard) -> None:
    verdict = _check(shipped, POINTS_QUESTION, POINTS, "With autopay you get 3 points per dollar.")
    assert verdict.action is Action.ABSTAIN
    assert verdict.turn is not None and verdict.turn.answer != "With autopay you get 3 points per dollar."


def test_a_phone_number_wrong_in_its_last_digits_is_stripped(shipped: GroundingGuard) -> None:
    answer = "Call us on 0345 555 0100 and we'll post you a PIN reminder."
    verdict = _check(shipped, PIN_QUESTION, PIN, answer)
    assert not _kept_whole(verdict)
    assert verdict.turn is not None and "0345 555 0100" not in (verdict.turn.answer or "")
    # The right number is kept.
    assert _kept_whole(_check(shipped, PIN_QUESTION, PIN, answer.replace("0100", "0199")))


def test_a_number_listed_for_something_else_is_stripped(shipped: GroundingGuard) -> None:
    question = "My card was stolen. Who do I call?"
    wrong = "Call our card line on 0345 555 0100, day or night, and we'll cancel the card at once."
    verdict = _check(shipped, question, LINES, wrong)
    assert not _kept_whole(verdict)
    assert _kept_whole(_check(shipped, question, LINES, wrong.replace("0100", "0199")))


def test_a_swapped_product_name_is_stripped_even_when_the_judge_reads_it_as_supported(
    shipped: GroundingGuard,
) -> None:
    verdict = _check(shipped, "How long is the warranty?", WARRANTY, "The Voltwise Max has a 2-year warranty.")
    assert not _kept_whole(verdict)
    claims = shipped.scorer.score("The Voltwise Max has a 2-year warranty.", WARRANTY).claims
    assert claims[0].contradicted == ("name",)


def test_a_correct_answer_that_both_states_and_negates_a_word_is_kept(shipped: GroundingGuard) -> None:
    answer = (
        "If you approve the quote, the $25 comes off the repair cost; if you reject it, we keep the fee and send "
        "the phone back without repairing it."
    )
    assert _kept_whole(_check(shipped, "How does the inspection fee work?", FEE, answer))
    # The feature model alone, sentences whole, no longer reads "without repairing it" as contradicting the
    # passage that mentions the repair cost.
    assert _kept_whole(_check(GroundingGuard(action="strip", split_clauses=False), "How does it work?", FEE, answer))


def test_a_real_number_bound_to_another_plan_is_stripped(shipped: GroundingGuard) -> None:
    question = "How much data does the Pro plan include?"
    wrong = "The Pro plan includes 50 GB of data each month."
    verdict = _check(shipped, question, PLANS, wrong)
    assert not _kept_whole(verdict)
    claims = shipped.scorer.score(wrong, PLANS, question=question).claims
    assert claims[0].supported is False and "bound to something else" in claims[0].signals[0]
    assert _kept_whole(_check(shipped, question, PLANS, wrong.replace("50 GB", "20 GB")))
    # 50 GB is in the evidence, so without the binding veto the blend and the number veto let it through.
    unbound = GroundingGuard(**{**shipped.settings.model_dump(), "learned_vetoes": ["number", "name"]})
    assert _kept_whole(_check(unbound, question, PLANS, wrong))


def test_a_correct_answer_that_works_a_number_out_is_kept(shipped: GroundingGuard) -> None:
    answer = "Yes, you have 6 months from our final response, so you still have about 2 months."
    assert _kept_whole(_check(shipped, OMBUDSMAN_QUESTION, OMBUDSMAN, answer))
    # The plain number veto reads "2 months" against the evidence's "6 months".
    strict = GroundingGuard(**{**shipped.settings.model_dump(), "exempt_computed": False})
    assert not _kept_whole(_check(strict, OMBUDSMAN_QUESTION, OMBUDSMAN, answer))


def _without_veto(shipped: GroundingGuard, kind: str) -> GroundingGuard:
    """support_agent's grounding guard with one of its vetoes left out."""
    vetoes = [v for v in shipped.settings.learned_vetoes if v != kind]
    return GroundingGuard(**{**shipped.settings.model_dump(), "learned_vetoes": vetoes})


@pytest.mark.parametrize(
    ("kind", "question", "wrong", "signal", "right"),
    [
        # What the evidence denies in its own words.
        ("denied", "Does a repaired phone get a fresh warranty?", "A repair starts a new warranty.",
         "which the claim states",
         "No, a repair doesn't start a new warranty: the original 12-month warranty carries on."),
        # A contact channel the help center never mentions.
        ("channel", "How long does a repair take?",
         "We repair phones at our service centre within 10 working days, and we'll text you when it's done.",
         "(text)", "We repair phones within 10 working days."),
    ],
)  # fmt: skip
def test_a_veto_strips_what_the_judge_reads_as_supported(
    shipped: GroundingGuard, kind: str, question: str, wrong: str, signal: str, right: str
) -> None:
    assert not _kept_whole(_check(shipped, question, REPAIR_WARRANTY, wrong))
    claims = shipped.scorer.score(wrong, REPAIR_WARRANTY, question=question).claims
    assert claims[0].supported is False and any(signal in s for s in claims[0].signals)
    # The blend alone keeps it: the veto is what strips it. The right answer is kept.
    assert _kept_whole(_check(_without_veto(shipped, kind), question, REPAIR_WARRANTY, wrong))
    assert _kept_whole(_check(shipped, question, REPAIR_WARRANTY, right))


def test_a_rule_widened_to_every_case_is_stripped(shipped: GroundingGuard) -> None:
    question = "Is the original shipping charge refunded when I return something?"
    wrong = "Yes, original shipping charges are refunded on every return, along with the item price."
    assert not _kept_whole(_check(shipped, question, SHIPPING, wrong))
    right = "Only if the item was defective or we made a mistake with your order; the item price is always refunded."
    assert _kept_whole(_check(shipped, question, SHIPPING, right))


PHISHING = (
    Passage(
        text="## Suspicious emails\n\nForward a suspicious email to support@brightline.example and then delete it. "
        "Report a fake text message at brightline.example/report.",
        doc_id="security/phishing.md",
    ),
)
PHISHING_QUESTION = "I got a strange email that says it's from you. What should I do with it?"


def test_support_agent_keeps_an_address_the_passages_give(shipped: GroundingGuard) -> None:
    answer = "Forward it to support@brightline.example, then delete it."
    assert _kept_whole(_check(shipped, PHISHING_QUESTION, PHISHING, answer))


@pytest.mark.parametrize(
    "answer",
    [
        "Forward it to security@brightline.example, then delete it.",
        "Report it at brightline.example/phishing, then delete it.",
        "Forward it to support@brightline.example.com, then delete it.",
    ],
)
def test_support_agent_strips_an_email_or_web_address_the_passages_do_not_hold(
    shipped: GroundingGuard, answer: str
) -> None:
    verdict = _check(shipped, PHISHING_QUESTION, PHISHING, answer)
    assert not _kept_whole(verdict) and verdict.turn is not None
    (claim,) = verdict.turn.claims
    assert not claim.supported and claim.signals[0].startswith("contact '")


HOURS = (
    Passage(
        text="## Opening hours\n\nOur phone lines are open Monday to Friday, 8am to 6pm. Live chat in the app is "
        "available every day, 7am to 11pm. Stores open Mon-Sat 9am-7pm.",
        doc_id="support/hours.md",
    ),
)


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ("You can call us on weekdays between 8am and 6pm.", True),
        ("Stores are open Monday to Saturday.", True),
        ("Live chat is there on Sundays as well.", True),
        ("Our phone lines are open Monday to Saturday, 8am to 6pm.", False),
        ("You can phone us at the weekend too.", False),
    ],
)
def test_support_agent_reads_days_of_the_week_against_their_own_channel(
    shipped: GroundingGuard, answer: str, kept: bool
) -> None:
    assert _kept_whole(_check(shipped, "When can I get hold of you?", HOURS, answer)) is kept


DELIVERY = (
    Passage(text="## Delivery times\n\n| Service | Time |\n|---|---|\n| Standard | Within 5 working days |\n"
                 "| Express | Within 2 working days |\n| Oversized items | Within 10 working days |",
            doc_id="delivery.md"),
)  # fmt: skip


def test_a_short_value_quoted_from_another_row_is_not_settled_as_a_quote(shipped: GroundingGuard) -> None:
    question = "How long does delivery of an oversized item take?"
    # "Within 5 working days" is written word for word, on the Standard row: the quote is no support.
    wrong = _check(shipped, question, DELIVERY, "Within 5 working days.")
    assert not _kept_whole(wrong)
    assert wrong.turn is not None and not any("verbatim" in " ".join(c.signals) for c in wrong.turn.claims)
    assert _kept_whole(_check(shipped, question, DELIVERY, "Within 10 working days."))
    # Without the learned tier (the library default) the verbatim tier still settles short quotes.
    plain = _check(GroundingGuard(action="strip"), question, DELIVERY, "Within 5 working days.")
    assert plain.turn is not None and ["verbatim tier" in " ".join(c.signals) for c in plain.turn.claims] == [True]
