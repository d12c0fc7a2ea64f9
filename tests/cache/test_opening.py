"""What a question opens by asking for, and which openings one answer serves (`ragfort.cache.opening`)."""

from __future__ import annotations

import pytest

from ragfort.cache import compare, question_features
from ragfort.cache.opening import OPENINGS, compatible, opening_ask

# Written for this test (a pet shop, a gym, a library, a utility): not the evaluation pairs.
KINDS = [
    ("Why was my parcel returned to the depot?", "reason"),
    ("How come my points haven't arrived?", "reason"),
    ("What happens if I miss a class I booked?", "consequence"),
    ("My card expired, what now?", "consequence"),
    ("How do I freeze my gym membership?", "steps"),
    ("How can my partner join the loyalty club?", "steps"),
    ("How to renew a library book online?", "steps"),
    ("How long does a grooming appointment take?", "time"),
    ("When does the pool open on Sundays?", "time"),
    ("What time does the library close?", "time"),
    ("How often are meter readings taken?", "time"),
    ("How much notice do I need to give to cancel?", "time"),
    ("What are the customer service opening hours?", "time"),
    ("How much is a day pass?", "cost"),
    ("What's the fee for a replacement card?", "cost"),
    ("Is there a charge for late returns?", "cost"),
    ("What does a personal training session cost?", "cost"),
    ("How much a replacement key fob costs for a family member?", "cost"),
    ("How much per night does a cat boarding stay cost?", "cost"),
    ("How many books can I borrow at once?", "quantity"),
    ("How much can I top up in one go?", "quantity"),
    ("Is there a limit on guest passes?", "quantity"),
    ("Where do I collect a click-and-collect order?", "place"),
    ("Who can sign for a delivery?", "person"),
    ("What does the premium membership include?", "content"),
    ("What's in the starter kit?", "content"),
    ("What is included in a grooming session?", "content"),
    ("What comes with the puppy pack?", "content"),
    ("Which classes are on the timetable this week?", "choice"),
    ("What size harness does a beagle need?", "choice"),
    ("Can I bring my dog into the store?", "yesno"),
    ("Is the café open on bank holidays?", "yesno"),
    ("Do you deliver to the islands?", "yesno"),
    ("Keeping the cat indoors", None),
    ("What is a direct debit?", None),
]


@pytest.mark.parametrize(("question", "kind"), KINDS)
def test_the_opening_names_the_kind_of_answer_asked_for(question: str, kind: str | None) -> None:
    assert opening_ask(question) == kind
    assert kind is None or kind in OPENINGS


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # The main clause decides, not a subordinate "when" or "if" in front of it.
        ("If I pay in a cheque on Monday, when can I use the money?", "time"),
        ("When I move house, does my tariff move with me?", "yesno"),
        ("I lost my card on holiday, how do I get a new one?", "steps"),
        # The last sentence holding a question mark is the question.
        ("I booked a class for tomorrow. I can't go now. What happens to my credit?", "consequence"),
        ("We have twins aged 7. Will they be seated with us?", "yesno"),
        # A tag question asks yes or no.
        ("I want to take money out of my saver, can I?", "yesno"),
        # A polite frame is read through to the question it introduces.
        ("Could you tell me how long a refund takes?", "time"),
        ("Would you mind explaining how often the rates change?", "time"),
        ("Can you let me know where the nearest branch is?", "place"),
        ("Could you tell me whether the gym has towels?", "yesno"),
    ],
)
def test_the_main_clause_decides(question: str, kind: str) -> None:
    assert opening_ask(question) == kind


def test_courtesy_is_not_read_as_a_yes_no_question() -> None:
    # question_features strips courtesy first, so the polite frame does not make the question a yes/no one.
    polite = question_features("Hi team, could you please tell me how long my points take to arrive? Thanks")
    plain = question_features("How long do my points take to arrive?")
    assert polite.opening == plain.opening == {"time"}
    # Told in the order of a statement ("when my points arrive"), the question has no opening: no veto.
    indirect = question_features("Hi team, could you please tell me when my points become available?")
    assert not indirect.opening
    assert "opening" not in compare(indirect, question_features("When do my points become available?")).reasons


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        ("time", "time", True),
        ("yesno", "steps", True),  # "Can I stop a cheque in the app?" / "How do I stop a cheque in the app?"
        ("consequence", "yesno", True),
        ("choice", "person", True),  # "Which roles can cancel?" / "Who can cancel?"
        ("choice", "place", True),  # "Which regions can my data be stored in?" / "Where is my data stored?"
        (None, "cost", True),
        (None, None, True),
        ("cost", "quantity", False),  # a price against a number of things
        ("content", "time", False),  # what the statement shows against when it comes
        ("steps", "consequence", False),  # how to cancel against what happens after cancelling
        ("yesno", "time", False),  # open on Saturday? against the opening hours
        ("steps", "choice", False),
    ],
)
def test_compatible_openings(a: str | None, b: str | None, ok: bool) -> None:
    assert compatible(a, b) is ok
    assert compatible(b, a) is ok


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What does the gold membership include?", "When does my gold membership renew?"),
        ("How do I book a grooming appointment?", "What happens if I'm late for a grooming appointment?"),
        ("How much is an extra locker?", "How many lockers come with the family plan?"),
        ("Is the pool open on Saturday?", "What are the pool opening hours?"),
        ("Who can use the sauna?", "What time does the sauna open?"),
        ("What's in the welcome bag?", "When will I get my welcome bag?"),
        ("How many lockers does the family plan come with?", "How much a locker on the family plan costs?"),
        ("How do I renew my library card?", "Where do I renew my library card?"),
    ],
)
def test_same_topic_questions_asking_for_another_kind_of_answer_are_refused(a: str, b: str) -> None:
    check = compare(question_features(a), question_features(b))
    assert "opening" in check.reasons
    assert "opening" in compare(question_features(b), question_features(a)).reasons


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("How long does a refund take?", "When will I get my refund?"),
        ("Can I freeze my membership?", "How do I freeze my membership?"),
        ("Who can collect my parcel?", "Which people can collect my parcel?"),
        ("Hello, could you tell me how much a day pass is? Thanks", "How much is a day pass?"),
        ("Hi, could you please tell me how much a day pass costs for a child? Thanks!", "How much is a kid day pass?"),
        ("What's included in the gold membership?", "What does the gold membership include?"),
        ("If I move house, can I keep my tariff?", "Can I keep my tariff when I move house?"),
    ],
)
def test_rewordings_keep_a_compatible_opening(a: str, b: str) -> None:
    check = compare(question_features(a), question_features(b))
    assert "opening" not in check.reasons
