"""Contact channels a claim names that neither the passages nor the question mention."""

from __future__ import annotations

import pytest

from ragfort.grounding.channels import unnamed_channel, unsaid_manner
from ragfort.grounding.scorer import evidence_sentences
from ragfort.grounding.signals import EvidenceIndex
from ragfort.types import Passage

REMINDERS = Passage(
    text="## Payment reminders\n\nIf a payment fails we try again 3 days later. We text you the day before we "
    "try. Call your bank if the card keeps being declined, or pay at any of our service desks.",
    doc_id="payments.md",
)


def _evidence(*passages: Passage) -> EvidenceIndex:
    sentences, _ = evidence_sentences(list(passages))
    return EvidenceIndex.build(sentences)


@pytest.mark.parametrize(
    ("claim", "channel"),
    [
        ("We'll try again 3 days later and email you a reminder.", "email"),
        ("You can also sort it out through web chat.", "chat"),
        ("Open the app and retry the payment there.", "app"),
        ("We try again 3 days later, and we'll post you a letter first.", "post"),
        ("Pay it at any branch.", "in person"),
        ("You can pay online at any time.", "online"),
    ],
)
def test_a_channel_the_help_center_never_mentions_is_named(claim: str, channel: str) -> None:
    reason = unnamed_channel(claim, _evidence(REMINDERS))
    assert reason is not None and f"({channel})" in reason


@pytest.mark.parametrize(
    "claim",
    [
        "We'll text you the day before we try again.",  # the evidence's own channel
        "Phone your bank if it keeps getting declined.",  # "Call your bank": another word for the same channel
        "You can pay at the service desk.",  # "service desks": in person, named loosely
        "We don't email reminders.",  # a negated clause states no channel
        "Restart the phone and try the card again.",  # a device, not a channel
        "The text of the reminder gives the date.",  # a word in another sense
        "Update your email address before the retry.",  # an account detail, not a channel
    ],
)
def test_a_channel_the_evidence_names_or_a_word_in_another_sense_is_not(claim: str) -> None:
    assert unnamed_channel(claim, _evidence(REMINDERS)) is None


def test_a_channel_the_customer_asked_about_is_the_answers_to_take_up() -> None:
    claim = "Yes, you can settle it over web chat with a debit card."
    assert unnamed_channel(claim, _evidence(REMINDERS)) is not None
    assert unnamed_channel(claim, _evidence(REMINDERS), question="Can I pay on web chat?") is None


def test_a_step_said_to_happen_by_itself_or_at_once_where_nothing_says_so() -> None:
    evidence = _evidence(REMINDERS)
    assert unsaid_manner("We retry the payment automatically 3 days later.", evidence) is not None
    assert unsaid_manner("The payment goes through straight away.", evidence) is not None
    # Said by the question, denied by the claim, or said by the evidence in another form: nothing to veto.
    assert unsaid_manner("It goes through straight away.", evidence, question="Does it go through right away?") is None
    assert unsaid_manner("We don't retry automatically.", evidence) is None
    renews = Passage(text="Your plan renews automatically each year.", doc_id="renewals.md")
    assert unsaid_manner("It renews automatically every year.", _evidence(renews)) is None
