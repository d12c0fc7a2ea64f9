"""Questions about the customer's own account records, and the relevance guard's ``account_questions`` setting.

The examples are written for these tests, over businesses that no evaluation
set covers (a gym, a parcel courier, a streaming service, a car insurer), so
that they check the shapes rather than repeat the cases the patterns were
written from.
"""

from __future__ import annotations

import pytest

from ragfort.context import RunContext
from ragfort.errors import ConfigError
from ragfort.guards.account import ACCOUNT_SHAPES, account_question
from ragfort.guards.relevance import RelevanceGuard
from ragfort.policy import load_policy
from ragfort.types import Action, Passage, Turn

# (question, the shape it asks in)
ACCOUNT = [
    ("Did you get the cancellation form I emailed on Tuesday?", "receipt"),
    ("did you receive my membership photo", "receipt"),
    ("Has my claim for the dented door been approved yet?", "status"),
    ("Have our two new parcels been dispatched?", "status"),
    ("Is my freeze request already processed?", "status"),
    ("Is my son already on the family membership?", "status"),
    ("How much is left on my class pass?", "balance"),
    ("How many credits are on my account right now?", "balance"),
    ("What's my current balance?", "balance"),
    ("How much did we pay you last quarter?", "history"),
    ("How many classes have I used so far this month?", "history"),
    ("What excess did I end up with on my policy?", "history"),
    ("Which package am I on?", "plan"),
    ("what plan are we on at the moment", "plan"),
    ("Which tier will I be on next year?", "plan"),
    ("Who's dealing with my claim?", "handler"),
    ("Did my direct debit go through?", "outcome"),
    ("did last night's backup to our drive actually work", "outcome"),
    ("Which of our drivers still hasn't sent their licence?", "members"),
    ("Where's my refund for booking 7TQ2XK? It's been three weeks.", "tracking"),
    ("where is my parcel, it's been ages", "tracking"),
    ("I sent it on Friday. Did you receive my renewal form?", "receipt"),
    ("Has my claim been approved yet\u2019s", "status"),
    ("How much will my next premium be?", "next_amount"),
    ("how much is our next invoice going to come to", "next_amount"),
    ("What time is my courier coming tomorrow?", "appointment"),
    ("When is the gym induction... sorry, when is my induction appointment booked?", "appointment"),
    ("Am I on the off-peak membership at the moment?", "current"),
    ("are we getting the multi-car discount right now", "current"),
    ("How many guest passes do I have left at the moment?", "current"),
    ("which rewards tier am I in right now?", "plan"),
    ("what day is my freight delivery scheduled for", "appointment"),
    # Session 25's shapes.
    ("did my membership fee come out this month", "outcome"),
    ("did my cancellation request get processed?", "outcome"),
    ("Has the refund for my cancelled yoga class been issued yet?", "status"),
    ("has the refund for order PX29KD7 gone through", "status"),
    ("whats happening with the damage claim i filed last week", "status"),
    ("how much is my next monthly membership payment going to be", "next_amount"),
    ("when is my next training session due?", "appointment"),
    ("how many guest passes have we got", "current"),
    ("how many streams has our family plan got left for today", "current"),
    ("Is there a late fee on my account right now?", "current"),
    # Session 29's: follow-ups asking after one thing of the customer's, and the person coming to them.
    ("I called on Monday, has the refund gone thru yet", "status"),
    ("so has it been processed already?", "status"),
    ("And have they been dispatched yet?", "status"),
    ("what time's the technician turning up tomorrow", "appointment"),
    ("When is the courier getting here?", "appointment"),
]

# Questions a help center answers from its rules, though they say "my" or "our".
GENERAL = [
    "How do I freeze my membership?",
    "Is my card blocked if I enter the wrong PIN three times?",
    "Which tariff am I on if I let my fixed deal end?",
    "I've just moved into a flat you already supply. Which plan am I on?",
    "How many users are in my plan?",
    "How much data is included in my plan?",
    "Why did my payment fail?",
    "Why did my transfer not go through?",
    "Where is my parcel if the tracking page says delivered?",
    "Is my phone covered if I drop it?",
    "Do my saved workouts still sync without internet?",
    "How long does it take for my refund to arrive?",
    "When does a class pass expire?",
    "What happens to my points when I cancel?",
    "Has the price of the family plan gone up?",
    "My parcel says delivered but it isn't here. What should I do?",
    "Can my partner use my membership?",
    "Are my payment details stored securely?",
    "How much does it cost to add a driver to my policy?",
    "Is my account accessible even though my ID check hasn't passed yet?",
    "How much will my next bill be if I add a second car?",
    "When is my next premium due?",
    "What time does my courier usually come if I book a morning slot?",
    "Am I eligible for the student discount?",
    "Am I on the off-peak membership if I only come before 4pm?",
    "How many guest passes do I get on Premium?",
    "Which rewards tier am I in if I spend $5,000 a year?",
    "What day is the freight delivery scheduled for if I order on a Friday?",
    "What day is the Memorial Day sale?",
    "Has the price of the family plan gone up?",
    "Did the rules on guest passes change this year?",
    "How many guest passes have I got to use before they expire?",
    "Is there a fee on my account if I pay late?",
    "What happens with the damage claim after I've filed it?",
    "How long does the refund for a cancelled class take?",
    "Has the price gone up yet?",
    "Has the new app been released yet?",
    "Is the refund processed within 5 days if I cancel?",
    "How long does it take to go through?",
    "When is the technician's visit free of charge?",
    "What time does the courier usually arrive?",
    "Has the timetable for the gym changed already this year?",
]


@pytest.mark.parametrize(("question", "shape"), ACCOUNT)
def test_questions_about_the_customers_own_records_are_recognised(question: str, shape: str) -> None:
    assert account_question(question) == shape


@pytest.mark.parametrize("question", GENERAL)
def test_questions_a_help_center_answers_are_not(question: str) -> None:
    assert account_question(question) is None


def test_every_shape_is_named_once_and_examples_cover_each() -> None:
    assert len(ACCOUNT_SHAPES) == len(set(ACCOUNT_SHAPES))
    assert {shape for _, shape in ACCOUNT} == set(ACCOUNT_SHAPES)
    assert account_question("") is None


def _turn(question: str) -> Turn:
    passage = Passage(text="Refunds are issued within 5 business days of approval.", doc_id="refunds.md", score=0.8)
    return Turn(question=question, documents=(passage,))


def test_the_guard_hands_account_questions_to_a_person_before_reading_any_passage() -> None:
    guard = RelevanceGuard(account_questions="abstain", account_message="I can't see your account.")
    v = guard.check(_turn("Has my refund been issued yet?"), RunContext())
    assert v.action is Action.ABSTAIN
    assert v.turn is not None and v.turn.answer == "I can't see your account."
    assert "own account (status)" in v.reason
    # No passage was read: none carries the judge's mark.
    assert all(not p.metadata for p in v.turn.documents)


def test_without_an_account_message_the_abstain_message_is_given() -> None:
    guard = RelevanceGuard(account_questions="abstain", abstain_message="Please ask our team.", answerability=False)
    v = guard.check(_turn("Did you get the form I posted?"), RunContext())
    assert v.action is Action.ABSTAIN and v.turn is not None and v.turn.answer == "Please ask our team."


def test_by_default_account_questions_go_on_to_the_other_steps() -> None:
    # A corpus may hold the user's own records: the library default answers, support_agent abstains.
    v = RelevanceGuard(answerability=False).check(_turn("Has my refund been issued yet?"), RunContext())
    assert v.action is Action.ALLOW
    # And a general question is never stopped by the setting.
    guard = RelevanceGuard(account_questions="abstain", answerability=False)
    assert guard.check(_turn("How long do refunds take?"), RunContext()).action is Action.ALLOW


def test_only_the_customers_own_words_are_read_not_a_follow_ups_joined_reading() -> None:
    guard = RelevanceGuard(account_questions="abstain", answerability=False)
    turn = _turn("How long do refunds take?").evolve(
        resolved_question="Has my refund been issued yet? How long do refunds take?"
    )
    assert guard.check(turn, RunContext()).action is Action.ALLOW


def test_a_bad_setting_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="account_questions"):
        RelevanceGuard(account_questions="refuse")


def test_support_agent_abstains_on_account_questions_with_its_own_message() -> None:
    policy = load_policy("support_agent")
    [entry] = [g for g in policy.raw["guards"]["retrieval"] if g["guard"] == "relevance"]
    assert entry["account_questions"] == "abstain"
    assert "can't see your account" in entry["account_message"]
    guard = RelevanceGuard(**{k: v for k, v in entry.items() if k not in ("guard", "enabled")})
    v = guard.check(_turn("How much credit is on my account at the moment?"), RunContext())
    assert v.action is Action.ABSTAIN and v.turn is not None and v.turn.answer == entry["account_message"]


def test_a_policy_with_a_bad_value_fails_to_load() -> None:
    raw = {"name": "p", "guards": {"retrieval": [{"guard": "relevance", "account_questions": "sometimes"}]}}
    with pytest.raises(ConfigError, match="account_questions"):
        load_policy(raw)
