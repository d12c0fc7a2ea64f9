"""The support_agent policy's PII guard end to end on what support messages carry."""

from __future__ import annotations

import pytest

import ragfort
from ragfort.context import RunContext
from ragfort.evals.privacy import LEAK_ENTITIES
from ragfort.guards.pii import PIIGuard
from ragfort.pii import DEFAULT_ENTITIES
from ragfort.types import Action, Stage, Turn


@pytest.fixture(scope="module")
def input_guard() -> PIIGuard:
    policy = ragfort.load_policy("support_agent")
    return next(g for g in policy.guards[Stage.INPUT] if isinstance(g, PIIGuard))


def test_support_policy_redacts_a_date_of_birth_and_a_cued_phone(input_guard: PIIGuard) -> None:
    question = "DOB 03/14/1988 and my number is +44 7700 900123, why was my SIM blocked?"
    verdict = input_guard.check(Turn(question=question), RunContext(session_id="s-dob"))
    assert verdict.action is Action.REWRITE and verdict.turn is not None
    assert verdict.turn.question == "DOB <DATE_OF_BIRTH_1> and my number is <PHONE_NUMBER_1>, why was my SIM blocked?"
    for value in ("03/14/1988", "7700", "900123"):
        assert value not in verdict.turn.question + verdict.reason + repr(verdict.findings)


def test_support_policy_leaves_a_question_about_bitcoin_in_paris_alone(input_guard: PIIGuard) -> None:
    verdict = input_guard.check(Turn(question="Can I pay with Bitcoin in your Paris store?"), RunContext())
    assert verdict.action is Action.ALLOW and verdict.turn is None


def test_new_types_restore_for_their_owner() -> None:
    common = {"restore_for_owner": True, "vault": "memory"}
    ask, answer = PIIGuard(stage=Stage.INPUT, **common), PIIGuard(stage=Stage.OUTPUT, **common)
    ctx = RunContext(tenant="acme", session_id="s-restore")
    question = "IMEI 35-209900-176148-1, customer ID: CU-889120, born 3 November 2001."
    verdict = ask.check(Turn(question=question), ctx)
    assert verdict.turn is not None
    redacted = verdict.turn.question
    assert redacted == "IMEI <IMEI_1>, customer ID: <CUSTOMER_NUMBER_1>, born <DATE_OF_BIRTH_1>."
    assert answer.finalize(redacted, ctx) == question
    assert answer.finalize(redacted, RunContext(tenant="acme", session_id="someone-else")) == redacted


def test_every_default_type_counts_as_a_leak_in_the_privacy_eval() -> None:
    assert set(DEFAULT_ENTITIES) <= LEAK_ENTITIES


def test_the_policys_own_account_regex_keeps_whole_ids(input_guard: PIIGuard) -> None:
    verdict = input_guard.check(Turn(question="My account ACC-12345678 is locked."), RunContext())
    assert verdict.turn is not None
    assert verdict.turn.question == "My account <ACCOUNT_NUMBER_1> is locked."


@pytest.mark.parametrize(
    "question",
    ["does my husband need to bring a credit card too if he's a named driver",
     "Can my wife who lives with me be added as a second named insured?",
     "Do business accounts get a named account manager?"],
)  # fmt: skip
def test_a_named_driver_is_no_person(input_guard: PIIGuard, question: str) -> None:
    # "named" after an article or ordinal is an adjective: the word after it is not a name.
    verdict = input_guard.check(Turn(question=question), RunContext())
    assert verdict.action is Action.ALLOW and verdict.turn is None


@pytest.mark.parametrize(
    ("question", "name"),
    [("My friend named sarah booked it for me, can I change it?", "sarah"),
     ("I'm a named driver and someone named Tom Price crashed the car, who pays?", "Tom Price")],
)  # fmt: skip
def test_a_name_after_named_is_still_redacted(input_guard: PIIGuard, question: str, name: str) -> None:
    verdict = input_guard.check(Turn(question=question), RunContext())
    assert verdict.turn is not None and name not in verdict.turn.question
