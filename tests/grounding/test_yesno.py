"""An answer that opens with "yes" where the passages say no (`ragfort.grounding.yesno`)."""

from __future__ import annotations

import pytest

from ragfort.grounding.claims import opening
from ragfort.grounding.scorer import evidence_sentences
from ragfort.grounding.signals import EvidenceIndex
from ragfort.grounding.yesno import contradicted_yes, flipped_yes, yes_no_question
from ragfort.types import Passage

GYM = [
    Passage(text="## Guest passes\n\nMembers can bring one guest a month. Guest passes are not valid on "
                 "weekends or bank holidays.\n\nGuests must be over 16.", doc_id="guests.md"),
    Passage(text="## Freezing\n\nYou can freeze your membership for up to 3 months a year. Freezing is free "
                 "for annual members.", doc_id="freeze.md"),
]  # fmt: skip


def _index(passages: list[Passage]) -> EvidenceIndex:
    sentences, _ = evidence_sentences(passages)
    return EvidenceIndex.build(sentences)


def test_an_opening_yes_against_a_negated_closest_sentence_is_caught() -> None:
    why = contradicted_yes("Yes, guest passes work at weekends too.", "Can I use a guest pass on a weekend?",
                           _index(GYM))  # fmt: skip
    assert why is not None
    assert "negates" in why and "weekend" in why


def test_a_yes_the_evidence_backs_is_not_caught() -> None:
    assert contradicted_yes("Yes, for up to 3 months a year.", "Can I freeze my membership?", _index(GYM)) is None


def test_an_answer_that_denies_the_same_thing_itself_is_not_caught() -> None:
    # "Yes" to bringing a guest, with the weekend exception stated: the answer agrees with the evidence.
    claim = "Yes, once a month, but guest passes aren't valid on weekends."
    assert contradicted_yes(claim, "Can I bring a guest at the weekend?", _index(GYM)) is None


@pytest.mark.parametrize(
    ("claim", "question"),
    [
        # A "no" is never read: the evidence's negation backs it.
        ("No, guest passes aren't valid at weekends.", "Can I use a guest pass on a weekend?"),
        ("Unfortunately, guest passes don't work at weekends.", "Can I use a guest pass on a weekend?"),
        # A question that is not yes/no, or asks with a negation of its own.
        ("Yes, guest passes work at weekends too.", "When can I use a guest pass on a weekend?"),
        ("Yes, guest passes work at weekends too.", "Can't I use a guest pass on a weekend?"),
        # No opening at all: the claim's own words are the other checks' business.
        ("Guest passes work at weekends too.", "Can I use a guest pass on a weekend?"),
    ],
)
def test_only_an_affirmative_opening_to_a_plain_yes_no_question_is_read(claim: str, question: str) -> None:
    assert contradicted_yes(claim, question, _index(GYM)) is None


def test_evidence_sharing_too_little_of_the_question_decides_nothing() -> None:
    # The closest sentence shares one question word ("guest"): too little to be its answer.
    assert contradicted_yes("Yes, it's fine.", "Can my guest swim?", _index(GYM)) is None


def test_a_tie_between_a_negated_and_an_affirmed_sentence_decides_nothing() -> None:
    passages = [Passage(text="Guest passes are not valid on weekends. Guest passes are valid on weekdays.",
                        doc_id="g.md")]  # fmt: skip
    assert contradicted_yes("Yes, any day.", "Are guest passes valid every day?", _index(passages)) is None


def test_the_last_question_of_a_message_is_the_one_answered() -> None:
    assert yes_no_question("I joined in May. Can I freeze my membership?") == "Can I freeze my membership?"
    assert yes_no_question("Can I freeze it? How long for?") is None
    assert yes_no_question("How do I freeze my membership?") is None
    assert yes_no_question("No question here.") is None


def test_opening_is_the_yes_no_as_written() -> None:
    assert opening("Yes, guests are welcome.") == "Yes, "
    assert opening("Not yet. You need to wait.") == "Not yet. "
    assert opening("Guests are welcome.") == ""


AUDIT = [
    Passage(text="## Audit log\n\nThe audit log records sign-ins, exports and permission changes. Task edits and "
                 "comments aren't in the audit log. If your plan does not include the audit log, upgrade to "
                 "Business.", doc_id="audit.md"),
]  # fmt: skip


def test_a_yes_that_states_what_an_evidence_clause_denies_is_caught() -> None:
    # No "?" on the question is needed: the flip is read from the answer and the evidence alone.
    why = flipped_yes("Yes, task edits show up in the audit log with the editor's name.", _index(AUDIT))
    assert why is not None and "aren't in the audit log" in why
    assert flipped_yes("Yes, guest passes are valid on weekends.", _index(GYM)) is not None


@pytest.mark.parametrize(
    "claim",
    [
        "Yes, the audit log records sign-ins and exports.",  # what the evidence states
        "Yes, but task edits aren't in the audit log.",  # the answer denies it too
        "No, task edits show up in the audit log.",  # a "no" is not read
        "Task edits show up in the audit log.",  # no opening: the other checks' business
        "Yes, upgrade to Business to get the audit log.",  # the denial is under an "if"
        "Yes, edits are logged.",  # too few words shared with any denial
        "Yes, the audit log shows sign-ins and exports, not task edits.",  # the answer's own "not"
        "Yes, the audit log only holds sign-ins, so task edits are kept elsewhere.",  # "only" restates the denial
    ],
)
def test_a_yes_the_evidence_does_not_deny_is_not_caught(claim: str) -> None:
    assert flipped_yes(claim, _index(AUDIT)) is None


def test_a_denial_another_clause_states_outright_is_not_a_flip() -> None:
    passages = [Passage(text="You can't pay your bill online at weekends, but you can pay your bill online "
                             "on weekdays.", doc_id="pay.md")]  # fmt: skip
    assert flipped_yes("Yes, you can pay your bill online.", _index(passages)) is None
